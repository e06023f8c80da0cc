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

    @Test("chunks of another run are refused")
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
        // Both ranks fail; at least one saw the foreign chunk (the other may have lost its peer first, since a
        // rank that fails closes its links and drops what it had queued).
        let errors = results.compactMap { result -> AllReduceError? in
            guard case .failure(let error) = result else { return nil }
            return error as? AllReduceError
        }
        #expect(errors.count == 2)
        #expect(
            errors.contains { error in
                if case .unexpectedChunk = error { return true }
                return false
            })
    }
}
