import Backbone
import Foundation
import RecData
import Tensor

/// What a process loads or computes once and reuses across runs: backbones, prepared datasets, items' text states
/// and collaborative warm starts.
///
/// A worker keeps one workspace for its lifetime, so consecutive trials on the same data and backbone depth pay
/// for loading and for the text pass only once, and trials whose warm starts are equal (``WarmStartKey``) run it
/// once; with a warm-start directory, a restarted worker reuses them too, and with a text-state directory
/// (``TextStateCache``) any later process on the same backbone, items and depth reads the text states instead of
/// running the text pass. Thread-safe.
public final class MixRecWorkspace: @unchecked Sendable {
    private let lock = NSLock()
    private var backbones: [String: LlamaModel] = [:]
    private var datasets: [String: RecommendationData] = [:]
    private var textStates: [String: TextStates] = [:]
    private let log: @Sendable (String) -> Void
    /// The collaborative warm starts trainers built from this workspace take and store.
    public let warmStarts: WarmStartCache
    /// Where text states are also kept on disk, across processes (nil: in memory only).
    public let textStateCache: TextStateCache?

    /// - Parameters:
    ///   - warmStartDirectory: where warm starts are also kept on disk, across processes (nil: in memory only).
    ///   - textStateDirectory: where items' text states are also kept on disk, across processes (nil: in memory
    ///     only).
    ///   - log: receives one line per expensive step (loading, the text pass) and per warm start or text states
    ///     reused or stored, e.g. for stderr.
    /// Where text states are kept unless told otherwise: `$MIXREC_HOME/text-states` (~/.cache/mixrec/text-states).
    public static var defaultTextStateDirectory: String {
        (LlamaModel.mixrecHome as NSString).appendingPathComponent("text-states")
    }

    public init(
        warmStartDirectory: String? = nil, textStateDirectory: String? = nil,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.log = log
        self.warmStarts = WarmStartCache(directory: warmStartDirectory, log: log)
        self.textStateCache = textStateDirectory.map { TextStateCache(directory: $0, log: log) }
    }

    /// The model (fresh parameters) and data of `config`.
    /// - Throws: `WorkspaceError` when the backbone cannot be loaded or has no tokenizer; data errors as thrown
    ///   by the readers (`DataReadError`, ``RecommendationDataError``).
    public func model(for config: MixRecConfig) throws -> (MixRecModel, RecommendationData) {
        self.lock.lock()
        defer { self.lock.unlock() }
        let backbone = try self.backbone(config.backbone)
        let data = try self.data(config, backbone: backbone)
        let layerCount = backbone.configuration.blockCount
        let first = MixRecModel.firstAdaptedLayer(config.model.experts, layerCount: layerCount)
        let key = "\(config.backbone)|\(config.data)|\(first)"
        let text: TextStates
        if let cached = self.textStates[key] {
            text = cached
        } else if let cache = self.textStateCache {
            let textKey = TextStateKey(backbone: backbone, itemTokens: data.itemTokens, firstLayer: first)
            text = cache.states(for: textKey, itemTokens: data.itemTokens) {
                self.computeText(backbone: backbone, itemTokens: data.itemTokens, fromLayer: first)
            }
        } else {
            text = self.computeText(backbone: backbone, itemTokens: data.itemTokens, fromLayer: first)
        }
        self.textStates[key] = text
        let model = MixRecModel(config: config, backbone: backbone, text: text)
        model.unseenItems = UnseenItems(
            itemCount: data.itemCount, trainingSequences: data.split.trainingSequences,
            textVectors: model.itemTextVectors)
        return (model, data)
    }

    /// Runs the text pass, with a log line before and after.
    private func computeText(backbone: LlamaModel, itemTokens: [[Int]], fromLayer first: Int) -> TextStates {
        let started = Date()
        self.log(
            "encoding the text of \(itemTokens.count) items through \(backbone.configuration.blockCount) frozen blocks")
        let text = TextStates.compute(backbone: backbone, itemTokens: itemTokens, fromLayer: first)
        self.log(
            String(
                format: "text states ready in %.1f s (%.0f MB)", Date().timeIntervalSince(started),
                Double(text.table.byteCount) / 1e6))
        return text
    }

    /// The backbone of `config`, loaded on first use.
    public func backbone(_ config: BackboneConfig) throws -> LlamaModel {
        let path = config.model == "default" ? LlamaModel.defaultModelPath : config.model
        let key = "\(path)|\(config.layers)"
        if let model = self.backbones[key] { return model }
        guard FileManager.default.fileExists(atPath: path) else {
            throw WorkspaceError.modelMissing(path: path, isDefault: config.model == "default")
        }
        let model: LlamaModel
        do { model = try LlamaModel.load(path: path, layers: config.layers) } catch {
            throw WorkspaceError.modelUnreadable(path: path, reason: "\(error)")
        }
        self.log("loaded \(path) (\(model.configuration.blockCount) blocks)")
        self.backbones[key] = model
        return model
    }

    private func data(_ config: MixRecConfig, backbone: LlamaModel) throws -> RecommendationData {
        guard let tokenizer = backbone.tokenizer else { throw WorkspaceError.noTokenizer }
        let coldItems = config.evaluation.coldItems
        let key = "\(config.data)|\(config.model.hardNegatives)|\(config.seed)|\(coldItems)"
        if let data = self.datasets[key] { return data }
        let data = try RecommendationData.load(
            config.data, hardNegatives: config.model.hardNegatives, seed: config.seed, coldItems: coldItems
        ) { tokenizer.encode($0, parseSpecial: false) }
        if let report = data.report { self.log("\(report)") }
        self.log(
            "\(data.dataset.userCount) users, \(data.itemCount) items, \(data.dataset.interactionCount) interactions")
        self.datasets[key] = data
        return data
    }
}

/// Why a workspace could not provide a backbone.
public enum WorkspaceError: Error, CustomStringConvertible, Equatable {
    /// The model file is not there.
    case modelMissing(path: String, isDefault: Bool)
    /// The model file could not be read.
    case modelUnreadable(path: String, reason: String)
    /// The checkpoint has no tokenizer to read item text with.
    case noTokenizer

    public var description: String {
        switch self {
        case .modelMissing(let path, let isDefault):
            isDefault
                ? "the default backbone is not at \(path); run scripts/setup to fetch it"
                : "backbone.model: no file or folder at \(path)"
        case .modelUnreadable(let path, let reason): "backbone.model: cannot load \(path): \(reason)"
        case .noTokenizer: "backbone.model: the checkpoint has no tokenizer (item text cannot be read)"
        }
    }
}
