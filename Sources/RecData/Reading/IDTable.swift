// MARK: - Original ids

/// Interns original user or item ids (the strings in the files) as dense raw indices in first-seen order.
///
/// Ids that are plain decimal numbers (no sign, no leading zero, at most 18 digits) are keyed by their value, so the
/// readers can intern them straight from bytes without building a `String` per row.
public struct IDTable: Sendable {
    /// The original id of each raw index.
    public private(set) var names: [String] = []
    private var numericIndex: [Int64: Int32] = [:]
    private var textIndex: [String: Int32] = [:]

    /// An empty table.
    public init() {}

    /// How many distinct ids were seen.
    public var count: Int { self.names.count }

    /// The raw index of an original id, or nil if it was never seen.
    public func index(of name: String) -> Int32? {
        if let number = Self.canonicalNumber(Array(name.utf8)) { return self.numericIndex[number] }
        return self.textIndex[name]
    }

    /// The raw index of an original id, adding it if new.
    public mutating func intern(_ name: String) -> Int32 {
        let bytes = Array(name.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            self.intern(ByteSpan(start: 0, end: buffer.count), in: buffer)
        }
    }

    /// The raw index of the id spelled by `span` (UTF-8), adding it if new.
    mutating func intern(_ span: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) -> Int32 {
        if let number = Self.canonicalNumber(span, in: buffer) {
            if let index = self.numericIndex[number] { return index }
            let index = Int32(self.names.count)
            self.numericIndex[number] = index
            self.names.append(String(number))
            return index
        }
        let name = ByteText.utf8String(span, in: buffer)
        if let index = self.textIndex[name] { return index }
        let index = Int32(self.names.count)
        self.textIndex[name] = index
        self.names.append(name)
        return index
    }

    // MARK: Canonical numbers

    private static func canonicalNumber(_ bytes: [UInt8]) -> Int64? {
        bytes.withUnsafeBufferPointer { Self.canonicalNumber(ByteSpan(start: 0, end: $0.count), in: $0) }
    }

    private static func canonicalNumber(_ span: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) -> Int64? {
        let length = span.end - span.start
        guard length >= 1, length <= 18 else { return nil }
        if length > 1 && buffer[span.start] == UInt8(ascii: "0") { return nil }
        var value: Int64 = 0
        for index in span.start..<span.end {
            let digit = buffer[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }
}

// MARK: - Ordering of original ids

extension IDTable {
    /// Raw indices sorted by original id: numeric ids by value first, then the others in string order.
    func indicesSortedByName(_ indices: [Int32]) -> [Int32] {
        let keyed = indices.map { index -> (number: Int64?, name: String, index: Int32) in
            let name = self.names[Int(index)]
            return (Self.canonicalNumber(Array(name.utf8)), name, index)
        }
        return keyed.sorted { left, right in
            switch (left.number, right.number) {
            case (let leftNumber?, let rightNumber?): leftNumber < rightNumber
            case (.some, .none): true
            case (.none, .some): false
            case (.none, .none): left.name < right.name
            }
        }.map(\.index)
    }
}
