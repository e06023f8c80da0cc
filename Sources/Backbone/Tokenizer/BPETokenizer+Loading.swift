import Foundation

// MARK: - From GGUF metadata

extension BPETokenizer {
    /// The GGUF pre-tokenizer names handled, and whether each isolates digits first.
    static let ggufPreTokenizers: [String: Bool] = ["smollm": true, "starcoder": true, "refact": true, "gpt2": false]

    /// Builds the tokenizer from a GGUF file's `tokenizer.ggml.*` metadata.
    ///
    /// - Throws: ``ModelFileError`` if the model is not byte-level BPE (`gpt2`), the pre-tokenizer is not one
    ///   MixRec implements, or the token, type and merge arrays are missing or inconsistent.
    public init(gguf: GGUFFile) throws(ModelFileError) {
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw ModelFileError(
                file: gguf.path, item: "tokenizer.ggml.model", "unsupported tokenizer '\(model)' (expected gpt2)")
        }
        let pre = gguf.metadata["tokenizer.ggml.pre"]?.stringValue ?? "gpt2"
        guard let splitsDigits = Self.ggufPreTokenizers[pre] else {
            let known = Self.ggufPreTokenizers.keys.sorted().joined(separator: ", ")
            throw ModelFileError(
                file: gguf.path, item: "tokenizer.ggml.pre", "unsupported pre-tokenizer '\(pre)' (supported: \(known))")
        }
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        let merges = try gguf.strings("tokenizer.ggml.merges")
        var special: [Int] = []
        if let types = gguf.metadata["tokenizer.ggml.token_type"]?.arrayValue {
            guard types.count == tokens.count else {
                throw ModelFileError(
                    file: gguf.path, item: "tokenizer.ggml.token_type",
                    "has \(types.count) entries for \(tokens.count) tokens")
            }
            // 3 = control, 4 = user-defined: both are matched verbatim in text.
            special = types.indices.filter { types[$0].intValue == 3 || types[$0].intValue == 4 }
        }
        func id(_ key: String) throws(ModelFileError) -> Int? {
            guard let value = gguf.metadata[key] else { return nil }
            guard let id = value.intValue, id >= 0, id < tokens.count else {
                throw ModelFileError(file: gguf.path, item: key, "\(value) is not a token id below \(tokens.count)")
            }
            return id
        }
        let ids = SpecialIDs(
            bos: try id("tokenizer.ggml.bos_token_id"), eos: try id("tokenizer.ggml.eos_token_id"),
            unknown: try id("tokenizer.ggml.unknown_token_id"), padding: try id("tokenizer.ggml.padding_token_id"))
        try self.init(
            tokens: tokens, merges: merges, special: special, specialIDs: ids, splitsDigits: splitsDigits,
            source: gguf.path)
    }
}

// MARK: - From Hugging Face tokenizer.json

extension BPETokenizer {
    /// Builds the tokenizer from a Hugging Face `tokenizer.json` (a `BPE` model with a `ByteLevel` pre-tokenizer,
    /// optionally preceded by `Digits` with `individual_digits`).
    ///
    /// - Parameter specialIDs: BOS/EOS/… ids, usually from `config.json`; unknown comes from the BPE model.
    /// - Throws: ``ModelFileError`` if the file is not JSON of that form.
    public init(tokenizerJSONAt path: String, specialIDs: SpecialIDs = SpecialIDs()) throws(ModelFileError) {
        let root = try JSONFile.object(at: path)
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "BPE" else {
            throw ModelFileError(file: path, item: "model", "expected a BPE model")
        }
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw ModelFileError(file: path, item: "model.vocab", "expected an object of token ids")
        }
        var entries: [(String, Int)] = vocab.compactMap { key, value in (value as? Int).map { (key, $0) } }
        var special: [Int] = []
        for case let added as [String: Any] in root["added_tokens"] as? [Any] ?? [] {
            guard let id = added["id"] as? Int, let content = added["content"] as? String else {
                throw ModelFileError(file: path, item: "added_tokens", "an entry lacks id or content")
            }
            entries.append((content, id))
            special.append(id)
        }
        let size = (entries.map(\.1).max() ?? -1) + 1
        var tokens = [String?](repeating: nil, count: size)
        for (token, id) in entries where id >= 0 { tokens[id] = token }
        guard entries.count >= size, !tokens.contains(where: { $0 == nil }) else {
            throw ModelFileError(file: path, item: "model.vocab", "token ids are not 0..<\(size) without gaps")
        }
        let merges: [String] = try (model["merges"] as? [Any] ?? []).map { (merge: Any) throws(ModelFileError) in
            if let text = merge as? String { return text }
            if let pair = merge as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            throw ModelFileError(file: path, item: "model.merges", "expected \"a b\" strings or [a, b] pairs")
        }
        var ids = specialIDs
        if let unknown = model["unk_token"] as? String { ids.unknown = tokens.firstIndex(of: unknown) }
        try self.init(
            tokens: tokens.compactMap { $0 }, merges: merges, special: Array(Set(special)).sorted(), specialIDs: ids,
            splitsDigits: try Self.digitSplitting(root["pre_tokenizer"], path: path), source: path)
    }

    /// Whether a `tokenizer.json` pre-tokenizer isolates digits; throws for pre-tokenizers MixRec does not implement.
    private static func digitSplitting(_ node: Any?, path: String) throws(ModelFileError) -> Bool {
        guard let node = node as? [String: Any], let type = node["type"] as? String else {
            throw ModelFileError(file: path, item: "pre_tokenizer", "missing")
        }
        let steps = type == "Sequence" ? (node["pretokenizers"] as? [[String: Any]] ?? []) : [node]
        let kinds = steps.map { ($0["type"] as? String ?? "?", $0["individual_digits"] as? Bool ?? false) }
        if kinds.count == 1 && kinds[0].0 == "ByteLevel" { return false }
        if kinds.count == 2 && kinds[0] == ("Digits", true) && kinds[1].0 == "ByteLevel" { return true }
        throw ModelFileError(
            file: path, item: "pre_tokenizer",
            "unsupported pre-tokenizer \(kinds.map(\.0)) (expected ByteLevel, optionally after Digits)")
    }
}

// MARK: - JSON files

/// Reads JSON files with errors that name the file.
enum JSONFile {
    /// The top-level object of the JSON file at `path`.
    static func object(at path: String) throws(ModelFileError) -> [String: Any] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelFileError(file: path, "cannot be read: \(error.localizedDescription)")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelFileError(file: path, "is not valid JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw ModelFileError(file: path, "expected a JSON object at the top level")
        }
        return object
    }
}
