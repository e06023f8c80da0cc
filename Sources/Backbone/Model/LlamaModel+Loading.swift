import Foundation
import Tensor

// MARK: - Loading

extension LlamaModel {
    /// MixRec's folder of fetched and computed files: `$MIXREC_HOME`, by default `~/.cache/mixrec`.
    public static var mixrecHome: String {
        ProcessInfo.processInfo.environment["MIXREC_HOME"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache/mixrec")
    }

    /// The default model fetched by `scripts/setup`: `$MIXREC_HOME/models/SmolLM2-135M-Instruct.Q4_1.gguf`.
    public static var defaultModelPath: String {
        (Self.mixrecHome as NSString).appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    /// Loads a model from a `.gguf` file or a Hugging Face folder (`config.json`, `*.safetensors`,
    /// `tokenizer.json`).
    ///
    /// - Parameter layers: use only the first `layers` blocks (the final norm and head stay); all when `nil`.
    /// - Throws: ``ModelFileError`` naming the file, tensor or key when something is missing, truncated,
    ///   corrupted or unsupported.
    public static func load(path: String, layers: Int? = nil) throws(ModelFileError) -> LlamaModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ModelFileError(file: path, "does not exist (for the default model, run scripts/setup)")
        }
        return isFolder.boolValue
            ? try Self.loadHuggingFace(folder: path, layers: layers) : try Self.loadGGUF(path: path, layers: layers)
    }

    /// Loads a llama-architecture GGUF file (weights, configuration and tokenizer).
    public static func loadGGUF(path: String, layers: Int? = nil) throws(ModelFileError) -> LlamaModel {
        let file = try GGUFFile(path: path)
        let architecture = try file.string("general.architecture")
        guard architecture == "llama" else {
            throw ModelFileError(
                file: path, item: "general.architecture", "unsupported architecture '\(architecture)' (expected llama)")
        }
        let tokenizer = try BPETokenizer(gguf: file)
        let heads = try file.int("llama.attention.head_count")
        let width = try file.int("llama.embedding_length")
        var configuration = LlamaConfiguration(
            vocabularySize: file.metadata["llama.vocab_size"]?.intValue ?? tokenizer.vocabularySize,
            width: width, feedForwardWidth: try file.int("llama.feed_forward_length"),
            blockCount: try file.int("llama.block_count"), heads: heads,
            kvHeads: file.metadata["llama.attention.head_count_kv"]?.intValue ?? heads,
            rmsEpsilon: Float(try file.double("llama.attention.layer_norm_rms_epsilon")),
            ropeBase: Float(file.metadata["llama.rope.freq_base"]?.doubleValue ?? 10_000),
            ropeConvention: .adjacentPairs, tiedEmbeddings: file.tensorInfo("output.weight") == nil)
        if let rotated = file.metadata["llama.rope.dimension_count"]?.intValue, rotated != configuration.headDim {
            throw ModelFileError(
                file: path, item: "llama.rope.dimension_count",
                "partial RoPE over \(rotated) of \(configuration.headDim) dimensions is not supported")
        }
        try Self.limit(&configuration, to: layers, file: path)
        let weights = try LlamaWeights.load(configuration, names: .gguf) {
            (name, shape, buffer) throws(ModelFileError) in
            try file.read(name, expectedShape: shape, into: buffer)
        }
        return LlamaModel(configuration: configuration, weights: weights, tokenizer: tokenizer)
    }

    /// Loads a Hugging Face Llama checkpoint folder (half-split RoPE, HF tensor names).
    public static func loadHuggingFace(folder: String, layers: Int? = nil) throws(ModelFileError) -> LlamaModel {
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        var configuration = try HuggingFaceConfig.read(configPath)
        try Self.limit(&configuration.model, to: layers, file: configPath)
        let shards = try SafeTensorsShards(folder: folder)
        let weights = try LlamaWeights.load(configuration.model, names: .huggingFace) {
            (name, shape, buffer) throws(ModelFileError) in
            try shards.read(name, expectedShape: shape, into: buffer)
        }
        let tokenizerPath = (folder as NSString).appendingPathComponent("tokenizer.json")
        let tokenizer =
            FileManager.default.fileExists(atPath: tokenizerPath)
            ? try BPETokenizer(tokenizerJSONAt: tokenizerPath, specialIDs: configuration.specialIDs) : nil
        return LlamaModel(configuration: configuration.model, weights: weights, tokenizer: tokenizer)
    }

    private static func limit(
        _ configuration: inout LlamaConfiguration, to layers: Int?, file: String
    ) throws(ModelFileError) {
        if let problem = configuration.problem() {
            throw ModelFileError(file: file, "inconsistent model shape: \(problem)")
        }
        guard let layers else { return }
        guard (1...configuration.blockCount).contains(layers) else {
            throw ModelFileError(file: file, "layers \(layers) requested, the model has \(configuration.blockCount)")
        }
        configuration.blockCount = layers
    }
}

// MARK: - Hugging Face configuration

/// The fields of a Hugging Face Llama `config.json` that MixRec uses.
enum HuggingFaceConfig {
    /// The model shape and the special token ids.
    struct Contents {
        var model: LlamaConfiguration
        var specialIDs: BPETokenizer.SpecialIDs
    }

    static func read(_ path: String) throws(ModelFileError) -> Contents {
        let json = try JSONFile.object(at: path)
        func int(_ key: String, default fallback: Int? = nil) throws(ModelFileError) -> Int {
            if let value = json[key] as? Int { return value }
            if json[key] == nil || json[key] is NSNull, let fallback { return fallback }
            throw ModelFileError(file: path, item: key, "missing or not an integer")
        }
        let type = json["model_type"] as? String ?? "?"
        guard type == "llama" else {
            throw ModelFileError(file: path, item: "model_type", "unsupported model type '\(type)' (expected llama)")
        }
        if let scaling = json["rope_scaling"], !(scaling is NSNull) {
            throw ModelFileError(file: path, item: "rope_scaling", "RoPE scaling is not supported")
        }
        if let activation = json["hidden_act"] as? String, activation != "silu" {
            throw ModelFileError(
                file: path, item: "hidden_act", "unsupported activation '\(activation)' (expected silu)")
        }
        let heads = try int("num_attention_heads")
        let width = try int("hidden_size")
        let model = LlamaConfiguration(
            vocabularySize: try int("vocab_size"), width: width, feedForwardWidth: try int("intermediate_size"),
            blockCount: try int("num_hidden_layers"), heads: heads,
            kvHeads: try int("num_key_value_heads", default: heads),
            headDim: try int("head_dim", default: width / heads),
            rmsEpsilon: (json["rms_norm_eps"] as? Double).map(Float.init) ?? 1e-6,
            ropeBase: (json["rope_theta"] as? Double).map(Float.init) ?? 10_000, ropeConvention: .halfSplit,
            tiedEmbeddings: json["tie_word_embeddings"] as? Bool ?? false)
        let ids = BPETokenizer.SpecialIDs(bos: json["bos_token_id"] as? Int, eos: json["eos_token_id"] as? Int)
        return Contents(model: model, specialIDs: ids)
    }
}

/// Every `*.safetensors` file of a folder, indexed by tensor name.
struct SafeTensorsShards {
    let files: [SafeTensorsFile]
    let index: [String: Int]
    let folder: String

    init(folder: String) throws(ModelFileError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { $0.hasSuffix(".safetensors") }.sorted()
        } catch {
            throw ModelFileError(file: folder, "cannot be listed: \(error.localizedDescription)")
        }
        guard !names.isEmpty else { throw ModelFileError(file: folder, "contains no .safetensors file") }
        var files: [SafeTensorsFile] = []
        var index: [String: Int] = [:]
        for name in names {
            let file = try SafeTensorsFile(path: (folder as NSString).appendingPathComponent(name))
            for tensor in file.tensors.keys { index[tensor] = files.count }
            files.append(file)
        }
        self.files = files
        self.index = index
        self.folder = folder
    }

    func read(
        _ name: String, expectedShape: [Int], into buffer: UnsafeMutableBufferPointer<Float>
    ) throws(ModelFileError) {
        guard let file = self.index[name] else {
            throw ModelFileError(
                file: self.folder, item: name, "missing tensor in every .safetensors file (expected \(expectedShape))")
        }
        try self.files[file].read(name, expectedShape: expectedShape, into: buffer)
    }
}
