import Foundation
import Yams

// MARK: - Loading

extension SearchConfig {
    /// Reads and validates a search file (format in `configs/README.md`).
    /// - Throws: `SearchError` naming the parameter or setting at fault.
    public init(yaml text: String) throws(SearchError) {
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw .malformedYAML("\(error)")
        }
        try self.init(parsed: root)
    }

    /// Reads and validates a search file that is already parsed into the values a YAML parser gives: `[String: Any]`
    /// mappings, `[Any]` lists and `String`, `Int`, `Double` or `Bool` scalars.
    /// - Throws: `SearchError` naming the parameter or setting at fault.
    public init(parsed root: Any?) throws(SearchError) {
        let document = try YAMLFields(root, context: "search file")
        try document.rejectUnknown(["direction", "optimizer", "pruner", "parameters"])
        let direction = try document.string("direction", default: Direction.maximize.rawValue)
        guard let parsedDirection = Direction(rawValue: direction) else {
            throw .invalidField(field: "direction", context: "search file", reason: "must be minimize or maximize")
        }
        guard let list = document.raw["parameters"] as? [Any] else {
            if document.raw["parameters"] == nil { throw .missingField(field: "parameters", context: "search file") }
            throw .invalidField(field: "parameters", context: "search file", reason: "must be a list")
        }
        var parameters: [Parameter] = []
        for (index, entry) in list.enumerated() {
            parameters.append(try Self.parseParameter(entry, index: index))
        }
        let optimizer = try Self.parseOptimizer(document.raw["optimizer"])
        let pruner = try Self.parsePruner(document.raw["pruner"])
        try optimizer.validate()
        try pruner.validate()
        self.init(
            space: try SearchSpace(parameters: parameters), direction: parsedDirection, optimizer: optimizer,
            pruner: pruner)
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
        try self.init(yaml: text)
    }

    // MARK: - Sections

    private static func parseParameter(_ entry: Any, index: Int) throws(SearchError) -> Parameter {
        let fields = try YAMLFields(entry, context: "parameter #\(index + 1)")
        let name = try fields.requiredString("name")
        let named = fields.renamed("parameter '\(name)'")
        let type = try named.requiredString("type")
        let domain: ParameterDomain
        switch type {
        case "float":
            try named.rejectUnknown(["name", "type", "low", "high", "log", "when"])
            domain = .float(
                low: try named.requiredDouble("low"), high: try named.requiredDouble("high"),
                log: try named.bool("log", default: false))
        case "int":
            try named.rejectUnknown(["name", "type", "low", "high", "log", "when"])
            domain = .int(
                low: try named.requiredInt("low"), high: try named.requiredInt("high"),
                log: try named.bool("log", default: false))
        case "categorical":
            try named.rejectUnknown(["name", "type", "choices", "when"])
            domain = .categorical(try named.requiredStrings("choices"))
        default:
            throw .invalidField(field: "type", context: named.context, reason: "must be float, int or categorical")
        }
        var condition: Condition?
        if let when = named.raw["when"] {
            let clause = try YAMLFields(when, context: "parameter '\(name)', when")
            try clause.rejectUnknown(["parameter", "in"])
            condition = Condition(
                parent: try clause.requiredString("parameter"), values: try clause.requiredStrings("in"))
        }
        return Parameter(name: name, domain: domain, condition: condition)
    }

    private static func parseOptimizer(_ raw: Any?) throws(SearchError) -> OptimizerSettings {
        var settings = OptimizerSettings()
        guard let raw else { return settings }
        let fields = try YAMLFields(raw, context: "optimizer")
        try fields.rejectUnknown([
            "initial_trials", "candidates", "local_starts", "local_steps", "restarts", "fit_iterations",
        ])
        if fields.raw["initial_trials"] != nil { settings.initialTrials = try fields.requiredInt("initial_trials") }
        settings.candidates = try fields.int("candidates", default: settings.candidates)
        settings.localStarts = try fields.int("local_starts", default: settings.localStarts)
        settings.localSteps = try fields.int("local_steps", default: settings.localSteps)
        settings.restarts = try fields.int("restarts", default: settings.restarts)
        settings.fitIterations = try fields.int("fit_iterations", default: settings.fitIterations)
        return settings
    }

    private static func parsePruner(_ raw: Any?) throws(SearchError) -> PrunerSettings {
        guard let raw else { return .none }
        let fields = try YAMLFields(raw, context: "pruner")
        let kind = try fields.requiredString("kind")
        let defaults = PrunerWarmup()
        let warmup = PrunerWarmup(
            trials: try fields.int("warmup_trials", default: defaults.trials),
            steps: try fields.int("warmup_steps", default: defaults.steps))
        switch kind {
        case "none":
            try fields.rejectUnknown(["kind"])
            return .none
        case "median":
            try fields.rejectUnknown(["kind", "warmup_trials", "warmup_steps", "min_trials_at_step"])
            return .median(
                MedianStoppingRule(warmup: warmup, minTrialsAtStep: try fields.int("min_trials_at_step", default: 1)))
        case "asha":
            try fields.rejectUnknown([
                "kind", "warmup_trials", "warmup_steps", "min_resource", "reduction_factor", "fidelity", "min_fraction",
            ])
            let reductionFactor = try fields.int("reduction_factor", default: 3)
            return .successiveHalving(
                SuccessiveHalving(
                    warmup: warmup, minResource: try fields.int("min_resource", default: 1),
                    reductionFactor: reductionFactor,
                    fidelity: try Self.parseFidelity(fields, reductionFactor: reductionFactor)))
        default:
            throw .invalidField(field: "kind", context: "pruner", reason: "must be none, median or asha")
        }
    }

    /// ASHA's `fidelity` (`epochs` or `steps`) with `min_fraction`, which only `steps` reads; `min_resource` places
    /// epoch rungs, so it is refused beside `steps`.
    private static func parseFidelity(_ fields: YAMLFields, reductionFactor: Int) throws(SearchError) -> PrunerFidelity
    {
        switch try fields.string("fidelity", default: "epochs") {
        case "epochs":
            guard fields.raw["min_fraction"] == nil else {
                throw .invalidField(
                    field: "min_fraction", context: "pruner",
                    reason: "needs fidelity: steps (epoch rungs use min_resource)")
            }
            return .epochs
        case "steps":
            guard fields.raw["min_resource"] == nil else {
                throw .invalidField(
                    field: "min_resource", context: "pruner",
                    reason: "places epoch rungs; with fidelity: steps the first rung is min_fraction")
            }
            guard fields.raw["min_fraction"] != nil else {
                return .steps(minFraction: PrunerFidelity.defaultMinFraction(reductionFactor: reductionFactor))
            }
            return .steps(minFraction: try fields.requiredDouble("min_fraction"))
        default:
            throw .invalidField(field: "fidelity", context: "pruner", reason: "must be epochs or steps")
        }
    }
}

// MARK: - Typed access to a YAML mapping

/// A YAML mapping with typed accessors whose errors name the field and the context.
private struct YAMLFields {
    let raw: [String: Any]
    let context: String

    init(_ node: Any?, context: String) throws(SearchError) {
        guard let mapping = node as? [String: Any] else {
            throw .invalidField(field: "(self)", context: context, reason: "must be a mapping")
        }
        self.raw = mapping
        self.context = context
    }

    private init(raw: [String: Any], context: String) {
        self.raw = raw
        self.context = context
    }

    func renamed(_ context: String) -> YAMLFields { YAMLFields(raw: self.raw, context: context) }

    func rejectUnknown(_ allowed: Set<String>) throws(SearchError) {
        for key in self.raw.keys.sorted() where !allowed.contains(key) {
            throw .invalidField(
                field: key, context: self.context,
                reason: "is not recognised (expected one of \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func requiredString(_ key: String) throws(SearchError) -> String {
        guard let value = self.raw[key] else { throw .missingField(field: key, context: self.context) }
        guard let string = Self.scalarString(value) else {
            throw .invalidField(field: key, context: self.context, reason: "must be a string")
        }
        return string
    }

    func string(_ key: String, default fallback: String) throws(SearchError) -> String {
        self.raw[key] == nil ? fallback : try self.requiredString(key)
    }

    func requiredStrings(_ key: String) throws(SearchError) -> [String] {
        guard let value = self.raw[key] else { throw .missingField(field: key, context: self.context) }
        guard let list = value as? [Any] else {
            throw .invalidField(field: key, context: self.context, reason: "must be a list")
        }
        var strings: [String] = []
        for item in list {
            guard let string = Self.scalarString(item) else {
                throw .invalidField(field: key, context: self.context, reason: "must list scalars")
            }
            strings.append(string)
        }
        return strings
    }

    func requiredDouble(_ key: String) throws(SearchError) -> Double {
        guard let value = self.raw[key] else { throw .missingField(field: key, context: self.context) }
        switch value {
        case let number as Int: return Double(number)
        case let number as Double: return number
        case let text as String:
            if let number = Double(text) { return number }
        default: break
        }
        throw .invalidField(field: key, context: self.context, reason: "must be a number")
    }

    func requiredInt(_ key: String) throws(SearchError) -> Int {
        guard let value = self.raw[key] else { throw .missingField(field: key, context: self.context) }
        if let number = value as? Int { return number }
        throw .invalidField(field: key, context: self.context, reason: "must be an integer")
    }

    func int(_ key: String, default fallback: Int) throws(SearchError) -> Int {
        self.raw[key] == nil ? fallback : try self.requiredInt(key)
    }

    func bool(_ key: String, default fallback: Bool) throws(SearchError) -> Bool {
        guard let value = self.raw[key] else { return fallback }
        guard let flag = value as? Bool else {
            throw .invalidField(field: key, context: self.context, reason: "must be true or false")
        }
        return flag
    }

    /// Strings, and numbers or booleans written where a name was expected (YAML reads `choices: [4, 8]` as ints).
    private static func scalarString(_ value: Any) -> String? {
        switch value {
        case let string as String: return string
        case let number as Int: return String(number)
        case let flag as Bool: return String(flag)
        default: return nil
        }
    }
}
