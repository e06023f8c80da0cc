/// One GGUF metadata value, of any of the format's thirteen value types.
public indirect enum GGUFValue: Equatable, Sendable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    /// An array whose elements all have one type (arrays of arrays are allowed by the format).
    case array([GGUFValue])
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    // MARK: - Typed access

    /// The value as an integer, if it is of an integer type and fits.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// The value as a floating-point number, if it is numeric.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: self.intValue.map(Double.init)
        }
    }

    /// The value as a string, if it is one.
    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The value as a Boolean, if it is one.
    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    /// The elements, if the value is an array.
    public var arrayValue: [GGUFValue]? {
        if case .array(let v) = self { return v }
        return nil
    }
}

// MARK: - Reading

extension GGUFValue {
    /// Reads a value of GGUF type code `type` (0 = uint8 … 12 = float64) from `cursor`.
    static func read(type: UInt32, from cursor: inout ByteCursor, key: String) throws(ModelFileError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try cursor.read(UInt8.self, for: key))
        case 1: return .int8(try cursor.read(Int8.self, for: key))
        case 2: return .uint16(try cursor.read(UInt16.self, for: key))
        case 3: return .int16(try cursor.read(Int16.self, for: key))
        case 4: return .uint32(try cursor.read(UInt32.self, for: key))
        case 5: return .int32(try cursor.read(Int32.self, for: key))
        case 6: return .float32(try cursor.readFloat32(for: key))
        case 7:
            let byte = try cursor.read(UInt8.self, for: key)
            guard byte <= 1 else {
                throw ModelFileError(file: cursor.file, item: key, "corrupted: a bool must be 0 or 1, found \(byte)")
            }
            return .bool(byte == 1)
        case 8: return .string(try cursor.readString(for: key))
        case 9:
            let elementType = try cursor.read(UInt32.self, for: "element type of \(key)")
            guard elementType <= 12 else {
                throw ModelFileError(
                    file: cursor.file, item: key, "unsupported array element type \(elementType) (expected 0...12)")
            }
            let count = try cursor.readCount(for: "length of \(key)")
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try GGUFValue.read(type: elementType, from: &cursor, key: key))
            }
            return .array(elements)
        case 10: return .uint64(try cursor.read(UInt64.self, for: key))
        case 11: return .int64(try cursor.read(Int64.self, for: key))
        case 12: return .float64(try cursor.readFloat64(for: key))
        default:
            throw ModelFileError(
                file: cursor.file, item: key, "unsupported metadata value type \(type) (expected 0...12)")
        }
    }
}
