import Testing

@testable import Cluster

@Suite("Ring schedule and chunk header")
struct AllReduceScheduleTests {
    @Test("segments are disjoint, cover the buffer and differ in size by at most one", arguments: [1, 2, 3, 5, 8, 101])
    func segments(count: Int) {
        for worldSize in 2...5 {
            let schedule = RingSchedule(rank: 0, worldSize: worldSize, count: count)
            let ranges = (0..<worldSize).map(schedule.segment)
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            let sizes = ranges.map(\.count)
            #expect(sizes.max()! - sizes.min()! <= 1)
        }
    }

    @Test("what a rank receives in each step is what its left neighbour sends")
    func neighboursAgree() {
        for worldSize in 2...5 {
            for rank in 0..<worldSize {
                let me = RingSchedule(rank: rank, worldSize: worldSize, count: 23)
                let left = RingSchedule(rank: (rank + worldSize - 1) % worldSize, worldSize: worldSize, count: 23)
                for step in 0..<me.stepCount {
                    #expect(
                        me.receiveSegment(step) == left.sendSegment(step), "N \(worldSize) rank \(rank) step \(step)")
                }
                // The all-gather starts by sending the segment this rank owns after the reduce-scatter.
                #expect(me.sendSegment(worldSize - 1) == me.receiveSegment(worldSize - 2))
            }
        }
    }

    @Test("chunk plan: each send moves on exactly what the previous step received")
    func chunkPlan() {
        for worldSize in 2...5 {
            for count in [1, 7, 23, 100] {
                let schedule = RingSchedule(rank: 1 % worldSize, worldSize: worldSize, count: count)
                let plan = RingChunkPlan(schedule: schedule, chunkElements: 3)
                // Every element of every step's segment is sent and received exactly once, in step order.
                for step in 0..<schedule.stepCount {
                    let sent = plan.sends.filter { $0.step == step }.flatMap { Array($0.elements) }
                    let received = plan.receives.filter { $0.step == step }.flatMap { Array($0.elements) }
                    #expect(sent == Array(schedule.sendSegment(step)))
                    #expect(received == Array(schedule.receiveSegment(step)))
                }
                #expect(plan.sends.map(\.step) == plan.sends.map(\.step).sorted())
                #expect(plan.receives.allSatisfy { $0.after == nil })
                for send in plan.sends {
                    guard let after = send.after else {
                        #expect(send.step == 0)
                        continue
                    }
                    // The region was filled by that receive, one step earlier.
                    #expect(plan.receives[after].elements == send.elements)
                    #expect(plan.receives[after].step == send.step - 1)
                }
            }
        }
    }

    @Test("headers round-trip and foreign bytes are not headers")
    func header() {
        let header = ChunkHeader(
            runTag: 0xDEAD_BEEF_0001, sequence: 42, ringStep: 3, chunk: 7, payloadBytes: 4096, checksum: 0x1234_5678)
        let bytes = header.encoded
        #expect(bytes.count == ChunkHeader.byteCount)
        #expect(bytes.withUnsafeBytes { ChunkHeader($0) } == header)
        var corrupt = bytes
        corrupt[0] ^= 0xFF
        #expect(corrupt.withUnsafeBytes { ChunkHeader($0) } == nil)
        #expect(Array(bytes.prefix(20)).withUnsafeBytes { ChunkHeader($0) } == nil)
    }
}
