import Foundation
import Tensor

/// A parsed `.safetensors` file: an 8-byte header length, a JSON header of tensor entries, then raw data.
///
/// Parsing checks the header against the file size and every tensor's byte range against its dtype and shape, so a
/// truncated or corrupted file fails with a ``ModelFileError`` naming the file and the tensor.
public struct SafeTensorsFile: @unchecked Sendable {
    /// The element types MixRec reads (converted to Float32).
    public enum DType: String, Sendable {
        case f32 = "F32"
        case f16 = "F16"
        case bf16 = "BF16"

        var ggmlType: GGMLType {
            switch self {
            case .f32: .f32
            case .f16: .f16
            case .bf16: .bf16
            }
        }
    }

    /// One tensor entry of the header.
    public struct TensorInfo: Sendable, Equatable {
        /// Its name, e.g. `model.layers.0.self_attn.q_proj.weight`.
        public let name: String
        /// The dtype as written in the header (possibly one MixRec cannot read).
        public let dtype: String
        /// The row-major shape.
        public let shape: [Int]
        /// Byte range within the data section.
        public let range: Range<Int>
    }

    /// The path the file was read from.
    public let path: String
    /// The tensor entries by name.
    public let tensors: [String: TensorInfo]

    private let data: Data
    private let dataStart: Int

    /// Memory-maps and parses the file at `path`.
    public init(path: String) throws(ModelFileError) {
        let data = try ByteCursor.mapFile(path)
        var cursor = ByteCursor(data: data, file: path)
        let headerLength = try cursor.readCount(for: "the header length")
        let header = try cursor.readBytes(headerLength, for: "the JSON header")
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: header) as? [String: Any] else {
                throw ModelFileError(file: path, "corrupted: the header is not a JSON object")
            }
            object = parsed
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError(file: path, "corrupted: the header is not valid JSON (\(error.localizedDescription))")
        }
        let dataBytes = data.count - cursor.offset
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw ModelFileError(file: path, item: name, "corrupted: expected dtype, shape and data_offsets")
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], shape.allSatisfy({ $0 >= 0 }) else {
                throw ModelFileError(file: path, item: name, "corrupted: data_offsets \(offsets), shape \(shape)")
            }
            guard offsets[1] <= dataBytes else {
                throw ModelFileError(
                    file: path, item: name,
                    "truncated: data ends at byte \(offsets[1]) of the data section, which has \(dataBytes) bytes")
            }
            if let known = DType(rawValue: dtype) {
                let expected = known.ggmlType.byteCount(elements: shape.reduce(1, *))
                guard expected == offsets[1] - offsets[0] else {
                    throw ModelFileError(
                        file: path, item: name,
                        "corrupted: \(dtype) \(shape) needs \(expected ?? -1) bytes, data_offsets span "
                            + "\(offsets[1] - offsets[0])")
                }
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.path = path
        self.tensors = tensors
        self.data = data
        self.dataStart = cursor.offset
    }

    /// Converts the tensor called `name` into `destination`, checking that it has `expectedShape`.
    ///
    /// - Throws: ``ModelFileError`` if the tensor is missing, has another shape or an unsupported dtype.
    public func read(
        _ name: String, expectedShape: [Int], into destination: UnsafeMutableBufferPointer<Float>
    ) throws(ModelFileError) {
        guard let info = self.tensors[name] else {
            throw ModelFileError(file: self.path, item: name, "missing tensor (expected shape \(expectedShape))")
        }
        guard info.shape == expectedShape else {
            throw ModelFileError(file: self.path, item: name, "shape \(info.shape), expected \(expectedShape)")
        }
        guard let dtype = DType(rawValue: info.dtype) else {
            throw ModelFileError(
                file: self.path, item: name, "unsupported dtype \(info.dtype) (supported: F32, F16, BF16)")
        }
        precondition(destination.count == expectedShape.reduce(1, *), "destination holds \(destination.count)")
        self.data.withUnsafeBytes { raw in
            let start = self.dataStart + info.range.lowerBound
            let bytes = UnsafeRawBufferPointer(rebasing: raw[start..<(start + info.range.count)])
            dtype.ggmlType.dequantize(bytes, into: destination)
        }
    }
}

// MARK: - Writing

extension SafeTensorsFile {
    /// Writes tensors as a Float32 `.safetensors` file, in the given order, streaming each tensor's storage to disk
    /// (no second copy of the weights in memory).
    ///
    /// - Parameter tensors: `(name, tensor)`; the tensor's shape is written as is.
    /// - Throws: ``ModelFileError`` if the file cannot be written.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], to path: String) throws(ModelFileError) {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for (name, tensor) in tensors {
            let bytes = 4 * tensor.count
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        do {
            var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
            while json.count % 8 != 0 { json.append(0x20) }  // pad with spaces so the data is 8-byte aligned
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ModelFileError(file: path, "cannot be created")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.write(contentsOf: withUnsafeBytes(of: UInt64(json.count).littleEndian) { Data($0) })
            try handle.write(contentsOf: json)
            for (_, tensor) in tensors {
                try tensor.withUnsafeBufferPointer { values in
                    guard let base = values.baseAddress else { return }
                    let bytes = Data(
                        bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: 4 * values.count,
                        deallocator: .none)
                    try handle.write(contentsOf: bytes)
                }
            }
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError(file: path, "cannot be written: \(error.localizedDescription)")
        }
    }
}
