import RecData

/// A dataset ready for MixRec: the leave-one-out split, every item's text tokens and its hard negatives.
public struct RecommendationData: Sendable {
    /// The prepared sequences with item ids and text.
    public let dataset: SequentialDataset
    /// What the reader found (nil for the synthetic generator).
    public let report: ReadReport?
    /// The leave-one-out split.
    public let split: LeaveOneOutSplit
    /// Every item's text tokens, at most `data.item_tokens` and never empty (items without text read `item`).
    public let itemTokens: [[Int]]
    /// Every item's hard negatives (text-near items that never co-occur with it in training).
    public let hardNegatives: [[Int32]]

    /// The number of items.
    public var itemCount: Int { self.dataset.itemCount }

    /// Reads (or generates) the data of `config` and prepares it.
    /// - Parameters:
    ///   - config: `data.*`.
    ///   - hardNegatives: negatives mined per item (`model.hard_negatives`); 0 mines none.
    ///   - seed: the seed of the random top-up of short negative lists and of the cold items' draw.
    ///   - coldItems: the fraction of items held out of training (`eval.cold_items`; 0: none).
    ///   - tokenize: the backbone's tokenizer (text → token ids, no special tokens).
    public static func load(
        _ config: DataConfig, hardNegatives: Int, seed: UInt64, coldItems: Double = 0, tokenize: (String) -> [Int]
    ) throws -> RecommendationData {
        let text = ItemTextFormatter(fields: config.textFields)
        let options = PreparationOptions(coreK: config.coreK, text: text)
        let dataset: SequentialDataset
        let report: ReadReport?
        switch config.source {
        case .synthetic(let generator):
            dataset = SequentialDataset.prepare(SyntheticDataset.generate(generator), options: options)
            report = nil
        case .folder(let path, let format):
            let loaded = try SequentialDataset.load(
                format: format, folder: path, options: options, malformedRows: config.malformedRows)
            (dataset, report) = (loaded.dataset, loaded.report)
        }
        if let fields = config.textFields {
            let unknown = text.unknownFields(in: dataset.itemAttributes)
            guard unknown.count < fields.count else {
                throw RecommendationDataError.noTextField(fields: fields)
            }
        }
        guard dataset.userCount > 0 else { throw RecommendationDataError.noUsers }
        let split = LeaveOneOutSplit(
            dataset,
            coldItems: coldItems > 0 ? ColdItems(itemCount: dataset.itemCount, fraction: coldItems, seed: seed) : nil)
        let fallback = tokenize("item")
        let tokens = ItemTextTokens.tokenize(dataset.itemTexts, maxTokens: config.itemTokens) { text in
            tokenize(text).map { Int32($0) }
        }.map { $0.isEmpty ? Array(fallback.prefix(config.itemTokens)) : $0.map { Int($0) } }
        let mined =
            hardNegatives == 0
            ? Array(repeating: [], count: dataset.itemCount)
            : HardNegativeMiner(count: hardNegatives, fillSeed: seed)
                .mine(itemTexts: dataset.itemTexts, trainingSequences: split.trainingSequences)
        // Cold items never co-occur in training, so they would be everyone's hard negatives: they must stay unknown.
        let negatives = split.coldItems.map { cold in mined.map { $0.filter { !cold.contains($0) } } } ?? mined
        return RecommendationData(
            dataset: dataset, report: report, split: split, itemTokens: tokens, hardNegatives: negatives)
    }
}

/// Why data could not be used for training.
public enum RecommendationDataError: Error, CustomStringConvertible, Equatable {
    /// No item has any of the `data.text_fields`.
    case noTextField(fields: [String])
    /// Every user was filtered out.
    case noUsers

    public var description: String {
        switch self {
        case .noTextField(let fields):
            "data.text_fields: no item has any of \(fields); leave the key out to use every text attribute"
        case .noUsers:
            "the dataset has no user with at least 3 interactions after filtering (check data.core_k)"
        }
    }
}
