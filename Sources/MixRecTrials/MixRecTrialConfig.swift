import Cluster
import ConfigKit
import MixRec
import Search

/// How a MixRec trial's training config is made: the study's training config (YAML) with the study's fixed
/// overrides (`objective.set`), then every searched value set as it is (``ConfigValue/init(_:)``, never re-parsed)
/// at the key its parameter names (`train.lr`, `model.experts.groups.top.types`, …), then the study's epochs and the
/// trial's seed.
public enum MixRecTrialConfig {
    /// Metrics reported after each epoch are the trainer's validation metrics under this prefix (`valid/ndcg@10`).
    public static let validationPrefix = "valid/"
    /// The final test metrics are reported under this prefix (`test/ndcg@10`).
    public static let testPrefix = "test/"
    /// The metric a MixRec study maximises unless its config names another.
    public static let objectiveMetric = "valid/ndcg@10"

    /// The training config of one trial.
    /// - Parameters:
    ///   - base: the study's training config.
    ///   - configuration: the trial's values, by dotted config key.
    ///   - epochs: overrides `train.epochs` (the study's epochs), if given.
    ///   - seed: overrides `seed` (the trial's seed), if given.
    /// - Throws: `ConfigError` naming the key when a value does not fit the training config.
    public static func make(
        base: ConfigDocument, configuration: Configuration, epochs: Int? = nil, seed: UInt64? = nil
    ) throws -> MixRecConfig {
        var document = base
        for (key, value) in configuration.values.sorted(by: { $0.key < $1.key }) {
            try document.set(key, to: ConfigValue(value))
        }
        if let epochs { try document.set("train.epochs", to: .scalar(String(epochs))) }
        if let seed { try document.set("seed", to: .scalar(String(seed))) }
        return try MixRecConfig(document: document)
    }

    /// The training config of one trial from an assignment's task: the YAML text, then `overrides`, then the
    /// trial's values (see `make(base:configuration:epochs:seed:)`).
    /// - Throws: `ConfigError` for YAML that does not parse or a key or value the training config refuses.
    public static func make(
        baseConfig: String, overrides: [String], configuration: Configuration, epochs: Int? = nil, seed: UInt64? = nil
    ) throws -> MixRecConfig {
        var document = try ConfigDocument(yaml: baseConfig, source: "the study's training config")
        for assignment in overrides { try document.override(assignment) }
        return try Self.make(base: document, configuration: configuration, epochs: epochs, seed: seed)
    }

    /// The `base` of a stored MixRec study's trials: its training config with its `objective.set` overrides applied
    /// (its `objective.config.` lines), nil for a study of another kind.
    /// - Throws: `ConfigError` when the stored lines do not make a document.
    public static func base(inCanonicalText text: String) throws -> ConfigDocument? {
        let lines = StudyConfig.lines(under: "objective.config.", inCanonicalText: text)
        guard StudyConfig.value(of: "objective.kind", inCanonicalText: text) == MixRecTrialKind.name, !lines.isEmpty
        else { return nil }
        return try ConfigDocument(canonicalLines: lines, source: "the study's training config")
    }

    /// Checks that the search space's parameters are keys of the training config and their values fit it, on
    /// `samples` (``samples(_:seed:)``).
    /// - Throws: `StudyConfigError` naming the configuration and the key at fault.
    static func check(_ samples: [Configuration], base: ConfigDocument) throws {
        for configuration in samples {
            do {
                _ = try Self.make(base: base, configuration: configuration)
            } catch {
                throw StudyConfigError(
                    "the search file's values do not fit the training config (\(configuration)): \(error)")
            }
        }
    }

    /// The search parameters the collaborative warm start depends on (``WarmStartKey/configInputs(_:)``): changing
    /// one of them alone, between `samples` (``samples(_:seed:)``), changes the warm start's inputs. Trials that
    /// differ in such a parameter compute different warm starts, so sharing them across the study saves little.
    static func warmStartParameters(
        _ samples: [Configuration], search: SearchConfig, base: ConfigDocument
    ) -> [String] {
        guard let reference = samples.first else { return [] }
        func inputs(_ configuration: Configuration) -> [String]? {
            (try? Self.make(base: base, configuration: configuration)).map(WarmStartKey.configInputs)
        }
        let referenceInputs = inputs(reference)
        return search.space.parameters.map(\.name).filter { name in
            samples.contains { other in
                guard let value = other[name], value != reference[name] else { return false }
                var changed = reference
                changed[name] = value
                return inputs(changed).map { $0 != referenceInputs } ?? false
            }
        }
    }

    /// The optimizer's first proposals: a handful of configurations spread over the space, which a study's
    /// training config is checked against.
    static func samples(_ search: SearchConfig, seed: UInt64) throws -> [Configuration] {
        try BayesianOptimizer(config: search).propose(count: 8, seed: seed, observations: []).configurations
    }
}
