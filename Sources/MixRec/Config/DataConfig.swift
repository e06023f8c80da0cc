import ConfigKit
import RecData

/// Where the interactions and item text come from and how they are prepared (`data.*`).
public struct DataConfig: Sendable, Equatable {
    /// Where a run's data comes from.
    public enum Source: Sendable, Equatable {
        /// The seeded synthetic generator (the embedded default; no files needed).
        case synthetic(SyntheticDatasetConfig)
        /// A dataset folder read by the named reader.
        case folder(path: String, format: DatasetFormat)
    }

    /// The data source.
    public var source = Source.synthetic(SyntheticDatasetConfig())
    /// Item attributes that make the item text; `nil`: every text attribute that is not an id.
    public var textFields: [String]?
    /// Skip malformed rows (counted and reported) or stop at the first one.
    public var malformedRows = MalformedRowPolicy.fail
    /// k-core filtering: users and items with fewer interactions are removed, repeatedly (0 turns it off).
    public var coreK = 0
    /// L: the most recent items of a history that the model reads.
    public var maximumHistory = 50
    /// T: tokens of item text kept per item.
    public var itemTokens = 24

    public init() {}

    /// Reads `data.*`; absent keys keep their defaults. `format: synthetic` needs no path.
    public init(from section: ConfigSection) throws {
        let formats = ["synthetic"] + DatasetFormat.allCases.map(\.rawValue)
        let format = try section.string("format", default: "synthetic", allowed: formats)
        if let concrete = DatasetFormat(rawValue: format) {
            guard let path = try section.optionalString("path") else {
                throw ConfigError.missingKey(key: section.keyPath("path"), meaning: "the dataset folder for \(format)")
            }
            self.source = .folder(path: path, format: concrete)
        } else {
            let synthetic = try section.section("synthetic")
            var generator = SyntheticDatasetConfig()
            generator.userCount = try synthetic.int("users", default: generator.userCount, min: 10, max: 1_000_000)
            generator.itemCount = try synthetic.int("items", default: generator.itemCount, min: 20, max: 1_000_000)
            generator.seed = UInt64(try synthetic.int("seed", default: Int(generator.seed), min: 0))
            self.source = .synthetic(generator)
            if let path = try section.optionalString("path") {
                throw ConfigError.invalidValue(
                    key: section.keyPath("path"), value: path, allowed: "no path with format synthetic")
            }
        }
        let fields = try section.strings("text_fields", default: [])
        self.textFields = fields.isEmpty ? nil : fields
        self.malformedRows = try section.choice("malformed_rows", default: self.malformedRows)
        self.coreK = try section.int("core_k", default: self.coreK, min: 0, max: 1000)
        self.maximumHistory = try section.int("max_history", default: self.maximumHistory, min: 2, max: 4096)
        self.itemTokens = try section.int("item_tokens", default: self.itemTokens, min: 1, max: 512)
    }
}
