import RecData
import Tensor

/// The collaborative warm start's result: what a fresh run needs to continue as if it had run the warm start.
struct WarmStart {
    /// Copies of the collaborative model's parameters after the warm start, by their names in its registry.
    let parameters: [String: Tensor]
    /// The collaborative model alone right after it (`progress.warmStart`, the run's accounting); its validation
    /// NDCG@10 is the start joint training has to beat (``TrainingProgress/recordStart(validation:parameters:)``).
    let reports: StageReports

    /// The result `model` holds now, copied so that later training leaves it alone.
    init(model: CollaborativeModel, reports: StageReports) {
        self.parameters = model.parameters.byName.mapValues { $0.detached() }
        self.reports = reports
    }

    /// Copies the parameters into `model`, which is left untouched when they do not fit it.
    /// - Throws: ``WarmStartError`` when a name is missing or a shape differs.
    func apply(to model: CollaborativeModel) throws(WarmStartError) {
        let names = Set(model.parameters.entries.map(\.name))
        if let extra = Set(self.parameters.keys).subtracting(names).sorted().first { throw .unexpected(extra) }
        for (name, parameter) in model.parameters.entries {
            guard let value = self.parameters[name] else { throw .missing("param/\(name)") }
            guard value.shape == parameter.shape else {
                throw .shapeMismatch(name: name, expected: parameter.shape, found: value.shape)
            }
        }
        for (name, parameter) in model.parameters.entries {
            self.parameters[name].map(parameter.copyValues(from:))
        }
    }

    // MARK: - Files

    /// A parameter file (checksummed) holding the key's text (as UTF-8 bytes in `key`), the parameters under
    /// `param/` and the reports' counts in `report.valid` and `report.test`.
    func encode(key: WarmStartKey) -> [UInt8] {
        var entries = Dictionary(uniqueKeysWithValues: self.parameters.map { ("param/\($0.key)", $0.value) })
        entries["key"] = Self.keyTensor(key)
        entries["report.valid"] = self.reports.validation.countsTensor
        entries["report.test"] = self.reports.test.countsTensor
        return ParameterFile.encode(entries)
    }

    /// Reads a file ``encode(key:)`` wrote for `key`, whose reports rank under the history protocol
    /// `excludeHistory`.
    /// - Throws: ``WarmStartError`` when the file is damaged (a checksum or length that does not match), was written
    ///   for another key, or lacks an entry or its reports do not fit.
    init(decoding bytes: [UInt8], key: WarmStartKey, excludeHistory: Bool) throws(WarmStartError) {
        let entries: [String: Tensor]
        do { entries = try ParameterFile.decode(bytes) } catch { throw .unreadable(error) }
        guard let stored = entries["key"] else { throw .missing("key") }
        guard stored.scalars == Self.keyTensor(key).scalars else { throw .otherKey }
        func report(_ name: String) throws(WarmStartError) -> RankingReport {
            guard let counts = entries[name] else { throw .missing(name) }
            guard
                let report = RankingReport(counts: counts, sources: [.collaborative], protocols: [excludeHistory])
            else { throw .badReport(name) }
            return report
        }
        self.reports = StageReports(validation: try report("report.valid"), test: try report("report.test"))
        self.parameters = Dictionary(
            uniqueKeysWithValues: entries.compactMap { name, tensor in
                name.hasPrefix("param/") ? (String(name.dropFirst(6)), tensor) : nil
            })
    }

    /// `[bytes]`: the key's text as UTF-8 bytes, each an exact Float32.
    private static func keyTensor(_ key: WarmStartKey) -> Tensor {
        let bytes = Array(key.text.utf8)
        return Tensor(bytes.map { Float($0) }, shape: [bytes.count])
    }
}

/// Why a cached warm start could not be used.
enum WarmStartError: Error, Equatable, CustomStringConvertible {
    /// The file is not a readable parameter file (damaged: a checksum or length that does not match).
    case unreadable(ParameterFileError)
    /// The file was written for another key (two keys whose file names collide).
    case otherKey
    /// An entry is absent.
    case missing(String)
    /// A parameter the collaborative model does not have.
    case unexpected(String)
    /// A parameter's shape differs from the collaborative model's.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// A report's counts do not fit its dimensions.
    case badReport(String)

    var description: String {
        switch self {
        case .unreadable(let error): "\(error)"
        case .otherKey: "it was written for another key"
        case .missing(let name): "it has no \(name)"
        case .unexpected(let name): "it has a parameter \(name) the collaborative model lacks"
        case .shapeMismatch(let name, let expected, let found):
            "its \(name) has shape \(found), the collaborative model's has \(expected)"
        case .badReport(let name): "its \(name) does not fit a collaborative report"
        }
    }
}
