import Foundation
import Testing
import ZeroMQ

@testable import Cluster

@Suite("Ring all-reduce sums")
struct AllReduceSumTests {
    /// Small chunks (16 floats) so that even short buffers travel as several pipelined chunks.
    static var smallChunks: AllReduceSettings {
        var settings = AllReduceSettings()
        settings.chunkBytes = 64
        settings.checksums = true
        settings.timeout = .seconds(20)
        return settings
    }

    /// Each rank's input: deterministic values in [-1, 1) that differ by rank.
    static func input(rank: Int, count: Int) -> [Float] {
        var state = UInt64(rank * 7919 + count * 104_729 + 1)
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    @Test(
        "sum equals the exact sum on every rank", arguments: [2, 3, 4, 5], [1, 2, 3, 4, 7, 33, 101, 1000])
    func exactSum(worldSize: Int, count: Int) throws {
        let results = try RingHarness.run(worldSize: worldSize, settings: Self.smallChunks) { rank, group in
            var values = Self.input(rank: rank, count: count)
            try group.sum(&values)
            return values
        }
        let outputs = try results.map { try $0.get() }
        for index in 0..<count {
            let terms = (0..<worldSize).map { Double(Self.input(rank: $0, count: count)[index]) }
            let exact = terms.reduce(0, +)
            // N−1 Float additions in ring order: each rounds by at most ½ ulp of a partial sum ≤ Σ|x|, so the
            // error is at most (N−1)·2⁻²⁴·Σ|x|.
            let bound = Double(worldSize - 1) * 0x1p-24 * terms.reduce(0) { $0 + abs($1) } + 1e-12
            #expect(abs(Double(outputs[0][index]) - exact) <= bound, "element \(index)")
        }
        for rank in 1..<worldSize {
            #expect(outputs[rank] == outputs[0], "rank \(rank) holds the same bits as rank 0")
        }
    }

    @Test("integer sums are exact and repeated collectives stay in step")
    func integerSums() throws {
        let results = try RingHarness.run(worldSize: 3, settings: Self.smallChunks) { rank, group in
            var first = (0..<50).map { Int64($0 * (rank + 1)) }
            try group.sum(&first)
            var second = [Int64](repeating: Int64(1) << 40, count: 9)
            try group.sum(&second)
            return first + second
        }
        let expected = (0..<50).map { Int64($0 * 6) } + [Int64](repeating: 3 << 40, count: 9)
        for result in results {
            #expect(try result.get() == expected)
        }
    }

    @Test("a group of one leaves the buffer as it is")
    func single() throws {
        let group = try AllReduceGroup(rank: 0, endpoints: ["ipc:///unused"], context: ZMQContext())
        var values: [Float] = [1, 2, 3]
        try group.sum(&values)
        #expect(values == [1, 2, 3])
    }

    @Test("invalid groups are refused")
    func invalidGroup() throws {
        #expect(throws: AllReduceError.self) {
            _ = try AllReduceGroup(rank: 2, endpoints: ["ipc:///a", "ipc:///b"], context: ZMQContext())
        }
        var shallow = AllReduceSettings()
        shallow.highWaterMark = 2  // below what sending two chunks ahead needs
        #expect(throws: AllReduceError.invalidGroup("high-water mark 2 below 4")) {
            _ = try AllReduceGroup(
                rank: 0, endpoints: ["ipc:///a", "ipc:///b"], context: ZMQContext(), settings: shallow)
        }
    }

    @Test("ranks of different runs never take each other's chunks: both time out, naming what they dropped")
    func runTagMismatch() throws {
        var settings = Self.smallChunks
        settings.timeout = .seconds(1)
        let results = try RingHarness.run(
            worldSize: 2, settings: settings, adjust: { rank, settings in settings.runTag = UInt64(rank) }
        ) { _, group in
            var values: [Float] = [1, 2, 3, 4]
            try group.sum(&values)
            return values
        }
        // A rank that fails closes its links, so the other may have lost its peer before any chunk arrived; at
        // least one of them received the foreign chunk and dropped it.
        let errors = results.compactMap { result -> AllReduceError? in
            guard case .failure(let error) = result else { return nil }
            return error as? AllReduceError
        }
        #expect(errors.count == 2)
        let dropped = errors.map { error -> Int in
            guard case .peerTimeout(_, _, _, let foreign) = error else { return -1 }
            return foreign
        }
        #expect(dropped.allSatisfy { $0 >= 0 } && dropped.contains { $0 > 0 }, "\(errors)")
        #expect(errors.contains { $0.description.contains("not this run's chunks") })
    }

    @Test("messages from a stray sender on a ring port are dropped and the sums stay exact")
    func straySenderIsIgnored() throws {
        let context = try ZMQContext()
        let (endpoints, folder) = RingHarness.ipcEndpoints(2)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var settings = Self.smallChunks
        settings.runTag = 7
        let results = try RingHarness.run(worldSize: 2, settings: settings, context: context, endpoints: endpoints) {
            rank, group in
            if rank == 0 {
                // Rank 0's port is bound: a stranger connects and sends four messages that are not chunks of run 7.
                let stray = try ZMQSocket(context: context, type: .push)
                defer { stray.close() }
                try stray.setSendTimeout(milliseconds: 2000)
                try stray.connect(endpoints[0])
                var foreign = [UInt8](repeating: 0, count: ChunkHeader.byteCount)
                let header = ChunkHeader(
                    runTag: 8, sequence: 0, ringStep: 0, chunk: 0, payloadBytes: 4, checksum: 0)
                foreign.withUnsafeMutableBytes { header.encode(into: $0) }
                let messages: [[[UInt8]]] = [
                    [[1, 2, 3]], [[9, 9], [1, 2, 3, 4]], [[1], [2], [3]], [foreign, [0, 0, 0, 0]],
                ]
                for frames in messages { #expect(try stray.send(frames)) }
                Thread.sleep(forTimeInterval: 0.2)
            }
            var sums: [[Float]] = []
            for round in 0..<8 {
                var values = Self.input(rank: rank + round, count: 33)
                try group.sum(&values)
                sums.append(values)
            }
            return (sums, group.foreignMessagesDropped)
        }
        let outputs = try results.map { try $0.get() }
        #expect(outputs[0].1 == 4 && outputs[1].1 == 0)
        for round in 0..<8 {
            let expected = zip(Self.input(rank: round, count: 33), Self.input(rank: round + 1, count: 33)).map(+)
            #expect(outputs[0].0[round] == expected && outputs[1].0[round] == expected)
        }
    }
}
