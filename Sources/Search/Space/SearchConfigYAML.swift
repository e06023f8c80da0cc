import ConfigKit
import Foundation

// MARK: - Loading

extension SearchConfig {
    /// Reads and validates a search file (format in `configs/README.md`); `source` names it in errors.
    /// - Throws: `SearchError` naming the file, and the key or parameter at fault.
    public init(yaml text: String, source: String = "search file") throws(SearchError) {
        let document = try Self.reading(source) { try ConfigDocument(yaml: text, source: source) }
        try self.init(document: document)
    }

    /// Reads and validates the search file at `path`.
    /// - Throws: `SearchError.invalidField` if the file cannot be read, or any validation error.
    public init(contentsOf path: String) throws(SearchError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .invalidField(field: "path", context: path, reason: "cannot be read: \(error.localizedDescription)")
        }
        try self.init(yaml: text, source: path)
    }

    /// Reads and validates a search file already read as a config document (e.g. the one a study stores as
    /// canonical lines): every scalar is its text, as written, so a choice `on` or `1.50` stays a name.
    /// - Throws: `SearchError` naming the document's source, and the key or parameter at fault.
    public init(document: ConfigDocument) throws(SearchError) {
        let source = document.source
        let root = document.root
        let direction = try Self.reading(source) {
            try root.expectOnly(["direction", "optimizer", "pruner", "parameters"])
            return try root.string(
                "direction", default: Direction.maximize.rawValue,
                allowed: [Direction.minimize.rawValue, Direction.maximize.rawValue])
        }
        let entries = try Self.reading(source) { () throws -> [ConfigSection] in
            guard let entries = try root.sections("parameters") else {
                throw ConfigError.missingKey(key: "parameters", meaning: "a list of parameters (name, type, …)")
            }
            return entries
        }
        var parameters: [Parameter] = []
        for entry in entries {
            parameters.append(try Self.parseParameter(entry, source: source))
        }
        let optimizer = try Self.reading(source) { try Self.parseOptimizer(root.section("optimizer")) }
        let pruner = try Self.reading(source) { () throws -> PrunerSettings in
            guard root.contains("pruner") else { return .none }
            return try Self.parsePruner(root.section("pruner"), source: source)
        }
        try Self.reading(source) { try root.finish() }
        try optimizer.validate()
        try pruner.validate()
        self.init(
            space: try SearchSpace(parameters: parameters), direction: Direction(rawValue: direction) ?? .maximize,
            optimizer: optimizer, pruner: pruner)
    }

    // MARK: - Sections

    private static func parseParameter(_ fields: ConfigSection, source: String) throws(SearchError) -> Parameter {
        let name = try Self.reading(source) { try fields.string("name") }
        return try Self.reading(source, parameter: name) {
            let type = try fields.string("type", allowed: ["float", "int", "categorical"])
            let domain: ParameterDomain
            switch type {
            case "float", "int":
                try fields.expectOnly(["name", "type", "low", "high", "log", "when"])
            default:
                try fields.expectOnly(["name", "type", "choices", "when"])
            }
            switch type {
            case "float":
                domain = .float(
                    low: try fields.double("low"), high: try fields.double("high"),
                    log: try fields.bool("log", default: false))
            case "int":
                domain = .int(
                    low: try fields.int("low"), high: try fields.int("high"),
                    log: try fields.bool("log", default: false))
            default:
                domain = .categorical(try Self.requiredStrings("choices", in: fields))
            }
            var condition: Condition?
            if fields.contains("when") {
                let clause = try fields.section("when")
                try clause.expectOnly(["parameter", "in"])
                condition = Condition(
                    parent: try clause.string("parameter"), values: try Self.requiredStrings("in", in: clause))
            }
            return Parameter(name: name, domain: domain, condition: condition)
        }
    }

    /// The list of names under `key`, which must be given (a single name counts as a list of one).
    private static func requiredStrings(_ key: String, in fields: ConfigSection) throws -> [String] {
        guard fields.contains(key) else {
            throw ConfigError.missingKey(key: fields.keyPath(key), meaning: "a list of names")
        }
        return try fields.strings(key, default: [])
    }

    private static func parseOptimizer(_ fields: ConfigSection) throws -> OptimizerSettings {
        var settings = OptimizerSettings()
        try fields.expectOnly([
            "initial_trials", "candidates", "local_starts", "local_steps", "restarts", "fit_iterations",
        ])
        if fields.contains("initial_trials") { settings.initialTrials = try fields.int("initial_trials") }
        settings.candidates = try fields.int("candidates", default: settings.candidates)
        settings.localStarts = try fields.int("local_starts", default: settings.localStarts)
        settings.localSteps = try fields.int("local_steps", default: settings.localSteps)
        settings.restarts = try fields.int("restarts", default: settings.restarts)
        settings.fitIterations = try fields.int("fit_iterations", default: settings.fitIterations)
        return settings
    }

    /// The pruner of `kind`, which allows only its own keys.
    private static func parsePruner(_ fields: ConfigSection, source: String) throws -> PrunerSettings {
        let kind = try fields.string("kind", allowed: ["none", "median", "asha"])
        switch kind {
        case "none": try fields.expectOnly(["kind"])
        case "median": try fields.expectOnly(["kind", "warmup_trials", "warmup_steps", "min_trials_at_step"])
        default:
            try fields.expectOnly([
                "kind", "warmup_trials", "warmup_steps", "min_resource", "reduction_factor", "fidelity", "min_fraction",
            ])
        }
        guard kind != "none" else { return .none }
        let defaults = PrunerWarmup()
        let warmup = PrunerWarmup(
            trials: try fields.int("warmup_trials", default: defaults.trials),
            steps: try fields.int("warmup_steps", default: defaults.steps))
        guard kind == "asha" else {
            return .median(
                MedianStoppingRule(warmup: warmup, minTrialsAtStep: try fields.int("min_trials_at_step", default: 1)))
        }
        let reductionFactor = try fields.int("reduction_factor", default: 3)
        let fidelity = try Self.parseFidelity(fields, reductionFactor: reductionFactor, source: source)
        return .successiveHalving(
            SuccessiveHalving(
                warmup: warmup, minResource: fidelity == .epochs ? try fields.int("min_resource", default: 1) : 1,
                reductionFactor: reductionFactor, fidelity: fidelity))
    }

    /// ASHA's `fidelity` (`epochs` or `steps`) with `min_fraction`, which only `steps` reads; `min_resource` places
    /// epoch rungs, so it is refused beside `steps`.
    private static func parseFidelity(_ fields: ConfigSection, reductionFactor: Int, source: String) throws
        -> PrunerFidelity
    {
        switch try fields.string("fidelity", default: "epochs", allowed: ["epochs", "steps"]) {
        case "epochs":
            guard !fields.contains("min_fraction") else {
                throw SearchError.invalidField(
                    field: fields.keyPath("min_fraction"), context: source,
                    reason: "needs fidelity: steps (epoch rungs use min_resource)")
            }
            return .epochs
        default:
            guard !fields.contains("min_resource") else {
                throw SearchError.invalidField(
                    field: fields.keyPath("min_resource"), context: source,
                    reason: "places epoch rungs; with fidelity: steps the first rung is min_fraction")
            }
            return .steps(
                minFraction: try fields.double(
                    "min_fraction", default: PrunerFidelity.defaultMinFraction(reductionFactor: reductionFactor)))
        }
    }

    // MARK: - Errors

    /// `body`'s result, with a `ConfigError` it throws turned into `SearchError.config` naming `source` and the
    /// `parameter` being read.
    private static func reading<Value>(
        _ source: String, parameter: String? = nil, _ body: () throws -> Value
    ) throws(SearchError) -> Value {
        do {
            return try body()
        } catch let error as SearchError {
            throw error
        } catch let error as ConfigError {
            throw .config(source: source, parameter: parameter, error)
        } catch {
            throw .invalidField(field: "(file)", context: source, reason: "\(error)")
        }
    }
}
