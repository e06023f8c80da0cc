/// A GPT-2-style byte-level BPE tokenizer with special tokens (SmolLM2's and other Llama-family models').
///
/// Build it from a GGUF file (``init(gguf:)``) or a Hugging Face `tokenizer.json`
/// (``init(tokenizerJSONAt:)``). Encoding is exact on any UTF-8 input: text is split by the
/// ``PreTokenizer``, every piece's bytes start as single-byte tokens and the lowest-ranked merge is applied until
/// none applies.
public struct BPETokenizer: Sendable {
    /// Ids of the tokens the model treats specially.
    public struct SpecialIDs: Sendable, Equatable {
        /// Beginning of sequence (SmolLM2: `<|im_start|>` = 1).
        public var bos: Int?
        /// End of sequence (SmolLM2: `<|im_end|>` = 2).
        public var eos: Int?
        /// Unknown token (SmolLM2: `<|endoftext|>` = 0).
        public var unknown: Int?
        /// Padding (SmolLM2: 2).
        public var padding: Int?

        public init(bos: Int? = nil, eos: Int? = nil, unknown: Int? = nil, padding: Int? = nil) {
            self.bos = bos
            self.eos = eos
            self.unknown = unknown
            self.padding = padding
        }
    }

    /// Every token's vocabulary spelling (GPT-2 byte-mapped), indexed by id.
    public let tokens: [String]
    /// The ids of the special tokens.
    public let specialIDs: SpecialIDs
    /// Tokens matched verbatim in text before BPE (`<|im_start|>`, …), as `(text bytes, id)`, longest first.
    let specialTokens: [(bytes: [UInt8], id: Int32)]
    /// The raw bytes each token stands for.
    let tokenBytes: [[UInt8]]
    /// The token of each single byte, or -1 when the vocabulary has none.
    let byteTokens: [Int32]
    /// `(left << 32 | right)` → `(rank << 32 | merged token)`.
    let merges: [UInt64: UInt64]

    /// Whether every digit is a piece of its own before the GPT-2 split (SmolLM's `smollm` pre-tokenizer).
    public let splitsDigits: Bool

    /// The vocabulary size.
    public var vocabularySize: Int { self.tokens.count }

    // MARK: - Construction

    /// Builds the tokenizer from a vocabulary, merges in rank order (`"left right"`) and special tokens.
    ///
    /// - Parameter special: ids of tokens matched verbatim in input text.
    /// - Throws: ``ModelFileError`` (attributed to `source`) if a token is not byte-level or a merge is malformed.
    public init(
        tokens: [String], merges: [String], special: [Int], specialIDs: SpecialIDs, splitsDigits: Bool,
        source: String
    ) throws(ModelFileError) {
        var tokenBytes: [[UInt8]] = []
        tokenBytes.reserveCapacity(tokens.count)
        var idOfToken: [String: Int32] = [:]
        idOfToken.reserveCapacity(tokens.count)
        let specialSet = Set(special)
        for (id, token) in tokens.enumerated() {
            if specialSet.contains(id) {
                tokenBytes.append(Array(token.utf8))
            } else {
                guard let bytes = ByteLevelMapping.bytes(of: token) else {
                    throw ModelFileError(
                        file: source, item: "token \(id)", "\(token.debugDescription) is not byte-level")
                }
                tokenBytes.append(bytes)
            }
            idOfToken[token] = idOfToken[token] ?? Int32(id)
        }
        // Bytes without a token (SmolLM2 lacks some control characters) stay -1 and encode as `unknown`.
        let byteTokens = ByteLevelMapping.scalarForByte.map { idOfToken[String(Character($0))] ?? -1 }
        var mergeTable: [UInt64: UInt64] = [:]
        mergeTable.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw ModelFileError(file: source, item: "merge \(rank)", "\(merge.debugDescription) is not 'a b'")
            }
            guard let left = idOfToken[String(parts[0])], let right = idOfToken[String(parts[1])],
                let merged = idOfToken[String(parts[0]) + String(parts[1])]
            else { continue }
            let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
            if mergeTable[key] == nil {
                mergeTable[key] = UInt64(rank) << 32 | UInt64(UInt32(merged))
            }
        }
        self.tokens = tokens
        self.specialIDs = specialIDs
        self.specialTokens = special.sorted { tokens[$0].utf8.count > tokens[$1].utf8.count }
            .map { (Array(tokens[$0].utf8), Int32($0)) }
        self.tokenBytes = tokenBytes
        self.byteTokens = byteTokens
        self.merges = mergeTable
        self.splitsDigits = splitsDigits
    }

    // MARK: - Encoding

    /// Token ids of `text`. With `parseSpecial`, spellings of special tokens in the text (e.g. `<|im_start|>`)
    /// become those tokens; otherwise they are encoded as ordinary text. No BOS token is added. A byte the
    /// vocabulary cannot spell becomes the unknown token (or is dropped when the model has none).
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int] {
        var output: [Int] = []
        output.reserveCapacity(text.utf8.count / 3 + 4)
        var scalars: [Unicode.Scalar] = []
        var classes: [PreTokenizer.ScalarClass] = []
        var piece: [Int32] = []
        var utf8 = Array(text.utf8)
        if !parseSpecial || self.specialTokens.isEmpty {
            self.encodeOrdinary(utf8[...], into: &output, scalars: &scalars, classes: &classes, piece: &piece)
            return output
        }
        var start = 0
        var i = 0
        utf8.append(0)  // sentinel, never part of a special token
        let end = utf8.count - 1
        while i < end {
            if let (length, id) = self.specialMatch(utf8, at: i, end: end) {
                self.encodeOrdinary(utf8[start..<i], into: &output, scalars: &scalars, classes: &classes, piece: &piece)
                output.append(Int(id))
                i += length
                start = i
            } else {
                i += 1
            }
        }
        self.encodeOrdinary(utf8[start..<end], into: &output, scalars: &scalars, classes: &classes, piece: &piece)
        return output
    }

    private func specialMatch(_ bytes: [UInt8], at i: Int, end: Int) -> (Int, Int32)? {
        for (special, id) in self.specialTokens where special.first == bytes[i] && i + special.count <= end {
            var equal = true
            for k in 1..<special.count where bytes[i + k] != special[k] {
                equal = false
                break
            }
            if equal { return (special.count, id) }
        }
        return nil
    }

    /// Encodes text that contains no special tokens (UTF-8 bytes that start and end on scalar boundaries).
    private func encodeOrdinary(
        _ utf8: ArraySlice<UInt8>, into output: inout [Int], scalars: inout [Unicode.Scalar],
        classes: inout [PreTokenizer.ScalarClass], piece: inout [Int32]
    ) {
        guard !utf8.isEmpty else { return }
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars {
            scalars.append(scalar)
            classes.append(PreTokenizer.scalarClass(scalar))
        }
        PreTokenizer.split(scalars, classes: classes, splitDigits: self.splitsDigits) { range in
            piece.removeAll(keepingCapacity: true)
            for index in range {
                for byte in scalars[index].utf8 {
                    piece.append(self.byteTokens[Int(byte)])
                }
            }
            self.applyMerges(&piece)
            for id in piece {
                if id >= 0 {
                    output.append(Int(id))
                } else if let unknown = self.specialIDs.unknown {
                    output.append(unknown)
                }
            }
        }
    }

    /// Repeatedly merges the adjacent pair of lowest rank in `piece`.
    private func applyMerges(_ piece: inout [Int32]) {
        while piece.count > 1 {
            var bestRank = UInt64.max
            var bestIndex = -1
            var bestToken: Int32 = 0
            for k in 0..<(piece.count - 1) {
                let key = UInt64(UInt32(piece[k])) << 32 | UInt64(UInt32(piece[k + 1]))
                if let entry = self.merges[key], entry >> 32 < bestRank {
                    bestRank = entry >> 32
                    bestIndex = k
                    bestToken = Int32(truncatingIfNeeded: entry & 0xFFFF_FFFF)
                }
            }
            guard bestIndex >= 0 else { return }
            piece[bestIndex] = bestToken
            piece.remove(at: bestIndex + 1)
        }
    }

    // MARK: - Decoding

    /// The text of `ids`; bytes that do not form valid UTF-8 become U+FFFD. Out-of-range ids are skipped.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < self.tokenBytes.count {
            bytes.append(contentsOf: self.tokenBytes[id])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The id of the token spelled `token` in the vocabulary, if any.
    public func id(of token: String) -> Int? {
        self.tokens.firstIndex(of: token)
    }
}
