import Foundation

@testable import Backbone

/// Writes GGUF v3 files for tests: any metadata and raw tensor data of any GGML type.
struct GGUFWriter {
    var metadata: [(String, GGUFValue)] = []
    var tensors: [(name: String, dimensions: [Int], type: UInt32, bytes: [UInt8])] = []
    var alignment = 32

    /// Adds a Float32 tensor with a row-major `shape`.
    mutating func addF32(_ name: String, shape: [Int], values: [Float]) {
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        self.tensors.append((name, shape.reversed(), 0, bytes))
    }

    func encoded() -> Data {
        var out = Data()
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func putString(_ s: String) {
            put(UInt64(s.utf8.count))
            out.append(contentsOf: Array(s.utf8))
        }
        func typeCode(_ v: GGUFValue) -> UInt32 {
            switch v {
            case .uint8: 0
            case .int8: 1
            case .uint16: 2
            case .int16: 3
            case .uint32: 4
            case .int32: 5
            case .float32: 6
            case .bool: 7
            case .string: 8
            case .array: 9
            case .uint64: 10
            case .int64: 11
            case .float64: 12
            }
        }
        func putValue(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): put(x)
            case .int8(let x): put(x)
            case .uint16(let x): put(x)
            case .int16(let x): put(x)
            case .uint32(let x): put(x)
            case .int32(let x): put(x)
            case .float32(let x): put(x.bitPattern)
            case .bool(let x): put(UInt8(x ? 1 : 0))
            case .string(let x): putString(x)
            case .array(let xs):
                put(xs.first.map(typeCode) ?? 0)
                put(UInt64(xs.count))
                xs.forEach(putValue)
            case .uint64(let x): put(x)
            case .int64(let x): put(x)
            case .float64(let x): put(x.bitPattern)
            }
        }
        put(UInt32(0x4655_4747))
        put(UInt32(3))
        put(UInt64(self.tensors.count))
        put(UInt64(self.metadata.count))
        for (key, value) in self.metadata {
            putString(key)
            put(typeCode(value))
            putValue(value)
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in self.tensors {
            offsets.append(offset)
            offset = (offset + tensor.bytes.count + self.alignment - 1) / self.alignment * self.alignment
        }
        for (tensor, start) in zip(self.tensors, offsets) {
            putString(tensor.name)
            put(UInt32(tensor.dimensions.count))
            tensor.dimensions.forEach { put(UInt64($0)) }
            put(tensor.type)
            put(UInt64(start))
        }
        while out.count % self.alignment != 0 { out.append(0) }
        let dataStart = out.count
        for (tensor, start) in zip(self.tensors, offsets) {
            while out.count < dataStart + start { out.append(0) }
            out.append(contentsOf: tensor.bytes)
        }
        return out
    }
}
