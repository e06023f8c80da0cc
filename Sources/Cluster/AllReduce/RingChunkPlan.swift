/// The chunks one rank sends and receives in one ring all-reduce, in order, with what each must wait for.
///
/// Every segment of `RingSchedule` is cut into chunks of at most `chunkElements`. The ring is pipelined across
/// its steps: the segment a rank sends in step `s+1` is the one it received in step `s`, so chunk `k` of step
/// `s+1` may leave as soon as chunk `k` of step `s` has arrived, without waiting for the rest of step `s`.
/// Sends are zero-copy, so an all-gather chunk may only overwrite memory once the reduce-scatter send that read the
/// same region has been released by ZeroMQ.
struct RingChunkPlan {
    /// One chunk: its ring step, index within the step, element range in the buffer, and a dependency.
    struct Chunk: Equatable {
        var step: Int
        var index: Int
        var elements: Range<Int>
        /// For a send, the receive (index into `receives`) that must have completed first; for a receive, the
        /// send (index into `sends`) whose memory it overwrites and which must have been released first.
        var after: Int?
    }

    let count: Int
    let sends: [Chunk]
    let receives: [Chunk]

    init(schedule: RingSchedule, chunkElements: Int) {
        precondition(chunkElements > 0, "chunks hold at least one element")
        self.count = schedule.count
        var sends: [Chunk] = []
        var receives: [Chunk] = []
        var sendStarts: [Int] = []
        var receiveStarts: [Int] = []
        for step in 0..<schedule.stepCount {
            sendStarts.append(sends.count)
            for (index, range) in Self.chunks(of: schedule.sendSegment(step), chunkElements).enumerated() {
                sends.append(
                    Chunk(
                        step: step, index: index, elements: range,
                        after: step > 0 ? receiveStarts[step - 1] + index : nil))
            }
            receiveStarts.append(receives.count)
            // All-gather step t overwrites the segment this rank sent in reduce-scatter step t.
            let gatherStep = step - (schedule.worldSize - 1)
            for (index, range) in Self.chunks(of: schedule.receiveSegment(step), chunkElements).enumerated() {
                receives.append(
                    Chunk(
                        step: step, index: index, elements: range,
                        after: gatherStep >= 0 ? sendStarts[gatherStep] + index : nil))
            }
        }
        self.sends = sends
        self.receives = receives
    }

    private static func chunks(of segment: Range<Int>, _ size: Int) -> [Range<Int>] {
        stride(from: segment.lowerBound, to: segment.upperBound, by: size).map {
            $0..<min($0 + size, segment.upperBound)
        }
    }
}
