import Foundation
import Testing

@testable import Cluster

@Suite("Ring all-reduce with bfloat16 on the wire")
struct AllReduceBFloat16Tests {
    /// `AllReduceSumTests.smallChunks` on a bfloat16 wire: 64-byte chunks of 32 values, checksummed.
    static var settings: AllReduceSettings {
        var settings = AllReduceSumTests.smallChunks
        settings.wire = .bfloat16
        return settings
    }

    /// What the ring computes for one element of segment `segment`: the partial sum starts at rank `segment`,
    /// each following rank adds its value in Float32 and passes the result on rounded to bfloat16, and the owner
    /// (the last rank) rounds the final sum.
    static func ringOrderSum(_ terms: [Float], segment: Int) -> Float {
        let worldSize = terms.count
        var partial = BFloat16(rounding: terms[segment]).float
        for step in 1..<worldSize {
            partial = BFloat16(rounding: partial + terms[(segment + step) % worldSize]).float
        }
        return partial
    }

    @Test(
        "every rank ends with the same bits: the ring-order bfloat16 sum, within N·2⁻⁸ of the exact sum",
        arguments: [2, 3, 4], [1, 33, 1000])
    func bitIdenticalSum(worldSize: Int, count: Int) throws {
        let inputs = (0..<worldSize).map { AllReduceSumTests.input(rank: $0, count: count) }
        let results = try RingHarness.run(worldSize: worldSize, settings: Self.settings) { rank, group in
            var values = inputs[rank]
            try group.sum(&values)
            return values
        }
        let outputs = try results.map { try $0.get() }
        for rank in 1..<worldSize {
            #expect(outputs[rank] == outputs[0], "rank \(rank) holds the same bits as rank 0")
        }
        let schedule = RingSchedule(rank: 0, worldSize: worldSize, count: count)
        let unit = 0x1p-8 + 0x1p-24
        let gamma = Double(worldSize) * unit / (1 - Double(worldSize) * unit)
        var rounded = 0
        for segment in 0..<worldSize {
            for index in schedule.segment(segment) {
                let terms = inputs.map { $0[index] }
                let expected = Self.ringOrderSum(terms, segment: segment)
                #expect(outputs[0][index].bitPattern == expected.bitPattern, "element \(index)")
                // Every value is a bfloat16: the owner kept the rounded sum it sent.
                #expect(outputs[0][index].bitPattern & 0xFFFF == 0, "element \(index)")
                let exact = terms.reduce(0) { $0 + Double($1) }
                let bound = gamma * terms.reduce(0) { $0 + abs(Double($1)) }
                #expect(abs(Double(outputs[0][index]) - exact) <= bound, "element \(index)")
                if Double(outputs[0][index]) != exact { rounded += 1 }
            }
        }
        // The inputs carry more than 8 significant bits, so bfloat16 did round (the bound is not vacuous).
        #expect(count < 33 || rounded > count / 2)
    }

    @Test("same-sign inputs stay within N·2⁻⁸ of the exact sum, relative")
    func relativeErrorOfSameSignInputs() throws {
        let worldSize = 4
        let count = 4096
        let inputs = (0..<worldSize).map { AllReduceSumTests.input(rank: $0, count: count).map { abs($0) + 1e-3 } }
        let results = try RingHarness.run(worldSize: worldSize, settings: Self.settings) { rank, group in
            var values = inputs[rank]
            try group.sum(&values)
            return values
        }
        let output = try results[0].get()
        let unit = 0x1p-8 + 0x1p-24
        let gamma = Double(worldSize) * unit / (1 - Double(worldSize) * unit)
        var largest = 0.0
        for index in 0..<count {
            let exact = inputs.reduce(0) { $0 + Double($1[index]) }
            largest = max(largest, abs(Double(output[index]) - exact) / exact)
        }
        #expect(largest <= gamma, "largest relative error \(largest), bound \(gamma)")
        #expect(largest > 0x1p-10, "bfloat16 rounding shows (\(largest))")
    }

    @Test("counts and Double sums stay exact on a bfloat16 wire")
    func exactTypesIgnoreTheWire() throws {
        let results = try RingHarness.run(worldSize: 3, settings: Self.settings) { rank, group in
            var counts = [Int64(1) << 40 + Int64(rank), 257]
            try group.sum(&counts)
            var totals = [1.0 / 3 + Double(rank)]
            try group.sum(&totals)
            return (counts, totals)
        }
        for result in results {
            let (counts, totals) = try result.get()
            #expect(counts == [3 << 40 + 3, 771])
            #expect(abs(totals[0] - (1 + 3.0)) < 1e-15)
        }
    }

    @Test("a peer on the other wire format is refused with a typed error, not converted")
    func mixedFormats() throws {
        var settings = AllReduceSettings()
        settings.timeout = .seconds(1)
        let results = try RingHarness.run(
            worldSize: 3, settings: settings, adjust: { rank, settings in if rank == 1 { settings.wire = .bfloat16 } }
        ) { rank, group in
            var values = [Float](repeating: Float(rank), count: 1000)
            try group.sum(&values)
        }
        let native = ChunkEncoding.native.description
        let bfloat16 = ChunkEncoding.bfloat16.description
        #expect(throws: AllReduceError.encodingMismatch(rank: 1, peer: 0, expected: bfloat16, received: native)) {
            try results[1].get()
        }
        // Rank 1 may give up on rank 0's chunk before its own reach rank 2, which then finds it silent instead.
        let third = #expect(throws: AllReduceError.self) { try results[2].get() }
        let mismatch = AllReduceError.encodingMismatch(rank: 2, peer: 1, expected: native, received: bfloat16)
        let silent = if case .peerTimeout(rank: 2, peer: 1, _, _)? = third { true } else { false }
        #expect(third == mismatch || silent, "\(third.map { "\($0)" } ?? "no error")")
        #expect(throws: AllReduceError.self) { try results[0].get() }
        let error = AllReduceError.encodingMismatch(rank: 2, peer: 1, expected: native, received: bfloat16)
        #expect(!error.isRetryable)
        #expect(error.description.contains("same all-reduce wire format"))
    }

    @Test("headers carry the encoding; unknown encodings are not headers")
    func headerEncoding() {
        let header = ChunkHeader(
            runTag: 9, sequence: 1, ringStep: 0, encoding: .bfloat16, chunk: 0, payloadBytes: 64, checksum: 0)
        var bytes = header.encoded
        #expect(bytes[22] == 1 && bytes[23] == 0)
        #expect(bytes.withUnsafeBytes { ChunkHeader($0) } == header)
        bytes[22] = 7
        #expect(bytes.withUnsafeBytes { ChunkHeader($0) } == nil)
    }
}
