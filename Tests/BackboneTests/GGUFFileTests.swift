import Foundation
import TestKit
import Testing

@testable import Backbone

@Suite struct GGUFFileTests {
    static let everyType: [(String, GGUFValue)] = [
        ("u8", .uint8(200)), ("i8", .int8(-7)), ("u16", .uint16(65000)), ("i16", .int16(-30000)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(1.5)),
        ("bool", .bool(true)), ("string", .string("héllo 🌍")), ("u64", .uint64(1 << 60)),
        ("i64", .int64(-(1 << 60))), ("f64", .float64(-2.25)),
        ("strings", .array([.string("a"), .string(""), .string("ü")])),
        ("nested", .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])])),
    ]

    func sampleFile() -> GGUFWriter {
        var writer = GGUFWriter()
        writer.metadata = Self.everyType
        writer.addF32("a.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        writer.addF32("b.weight", shape: [5], values: [-1, -2, -3, -4, -5])
        return writer
    }

    @Test func everyMetadataTypeRoundTrips() throws {
        let file = try GGUFFile(data: self.sampleFile().encoded(), path: "sample.gguf")
        #expect(file.version == 3)
        for (key, value) in Self.everyType {
            #expect(file.metadata[key] == value, "\(key)")
        }
        #expect(file.tensors.map(\.name) == ["a.weight", "b.weight"])
        #expect(file.tensorInfo("a.weight")?.shape == [2, 3])
        #expect(file.tensorInfo("a.weight")?.dimensions == [3, 2])
        var values = [Float](repeating: 0, count: 5)
        try values.withUnsafeMutableBufferPointer { try file.read("b.weight", expectedShape: [5], into: $0) }
        #expect(values == [-1, -2, -3, -4, -5])
    }

    @Test func wrongShapeAndMissingTensorAreNamed() throws {
        let file = try GGUFFile(data: self.sampleFile().encoded(), path: "sample.gguf")
        var values = [Float](repeating: 0, count: 6)
        #expect(throws: ModelFileError(file: "sample.gguf", item: "a.weight", "shape [2, 3], expected [3, 2]")) {
            try values.withUnsafeMutableBufferPointer { try file.read("a.weight", expectedShape: [3, 2], into: $0) }
        }
        let missing = #expect(throws: ModelFileError.self) {
            try values.withUnsafeMutableBufferPointer { try file.read("c.weight", expectedShape: [6], into: $0) }
        }
        #expect(missing?.item == "c.weight")
    }

    @Test func everyTruncationIsRejected() throws {
        let bytes = self.sampleFile().encoded()
        // Cutting anywhere before the last tensor's data ends must fail with a "truncated" error, never crash.
        let lastEnd = bytes.count
        for cut in stride(from: 0, to: lastEnd, by: 7) {
            let error = #expect(throws: ModelFileError.self) { try GGUFFile(data: bytes.prefix(cut), path: "cut.gguf") }
            #expect(error?.description.contains("truncated") == true, "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test func corruptedHeadersAreRejected() throws {
        let good = self.sampleFile().encoded()
        var badMagic = good
        badMagic[0] = 0x58
        #expect(throws: ModelFileError(file: "x.gguf", "not a GGUF file: the first 4 bytes are not 'GGUF'")) {
            try GGUFFile(data: badMagic, path: "x.gguf")
        }
        var badVersion = good
        badVersion[4] = 9
        #expect(throws: ModelFileError(file: "x.gguf", "unsupported GGUF version 9 (expected 2 or 3)")) {
            try GGUFFile(data: badVersion, path: "x.gguf")
        }
        var badType = GGUFWriter()
        badType.metadata = [("k", .uint8(1))]
        var typeBytes = badType.encoded()
        typeBytes[24 + 8 + 1] = 99  // the value type of key "k"
        #expect(
            throws: ModelFileError(file: "x.gguf", item: "k", "unsupported metadata value type 99 (expected 0...12)")
        ) {
            try GGUFFile(data: typeBytes, path: "x.gguf")
        }
        var misaligned = self.sampleFile()
        misaligned.addF32("padding", shape: [64], values: [Float](repeating: 0, count: 64))
        misaligned.metadata.append(("general.alignment", .uint32(64)))  // the data was laid out for 32
        let error = #expect(throws: ModelFileError.self) { try GGUFFile(data: misaligned.encoded(), path: "x.gguf") }
        #expect(error?.item == "b.weight")
        #expect(error?.problem.contains("offset 32 is not a multiple of 64") == true)
    }

    @Test func unsupportedTensorTypeIsNamedWhenRead() throws {
        var writer = GGUFWriter()
        writer.tensors = [("q.weight", [256], 12, [UInt8](repeating: 0, count: 144))]  // Q4_K
        let file = try GGUFFile(data: writer.encoded(), path: "k.gguf")
        var values = [Float](repeating: 0, count: 256)
        let error = #expect(throws: ModelFileError.self) {
            try values.withUnsafeMutableBufferPointer { try file.read("q.weight", expectedShape: [256], into: $0) }
        }
        #expect(error?.description.hasPrefix("k.gguf: q.weight: unsupported tensor type 12") == true)
    }

    // MARK: - The real model file

    @Test(.enabled(if: SharedData.modelAvailable, "needs ../shared/models/smollm2-135m-instruct-q4_1"))
    func smolLMLayout() throws {
        let file = try GGUFFile(path: try #require(SharedData.smolLMPath))
        #expect(file.tensors.count == 272)
        let types = Dictionary(grouping: file.tensors, by: \.typeCode).mapValues(\.count)
        #expect(types == [GGMLType.q4_1.rawValue: 210, GGMLType.f32.rawValue: 61, GGMLType.q8_0.rawValue: 1])
        #expect(file.metadata["llama.block_count"] == .uint32(30))
        #expect(file.metadata["tokenizer.ggml.pre"] == .string("smollm"))
        #expect(file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count == 49152)
        #expect(file.tensorInfo("token_embd.weight")?.shape == [49152, 576])
        #expect(file.tensorInfo("blk.0.ffn_down.weight")?.shape == [576, 1536])
        var norm = [Float](repeating: 0, count: 576)
        try norm.withUnsafeMutableBufferPointer { try file.read("output_norm.weight", expectedShape: [576], into: $0) }
        #expect(norm.allSatisfy { $0.isFinite } && norm.contains { $0 != 0 })
    }

    @Test(.enabled(if: SharedData.modelAvailable, "needs ../shared/models/smollm2-135m-instruct-q4_1"))
    func truncatedModelFileNamesATensor() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: try #require(SharedData.smolLMPath)))
        let error = #expect(throws: ModelFileError.self) {
            try GGUFFile(data: data.prefix(data.count / 2), path: "half.gguf")
        }
        #expect(error?.item?.hasPrefix("blk.") == true, "\(String(describing: error))")
        #expect(error?.problem.hasPrefix("truncated") == true)
    }
}
