import ArgumentParser
import Backbone
import Foundation
import MixRec
import RecData
import Tensor

/// `mixrec-bench text`: how well frozen text representations alone rank each user's next item: the items' `[ALIGN]`
/// state (W's initialisation, `model.text_vector: align`) against the mean of their token states at several depths
/// (`token_mean`), measured in the same run.
///
/// Every representation is centred over the items and scaled to unit length, and ranks by nearest neighbours: the
/// cosine between a candidate and the mean of the history's vectors, or the history's last item alone. No training:
/// this measures what the LLM's reading of item text carries about which items follow which.
struct TextProbeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Next-item ranking by frozen text alone: the [ALIGN] vector against pooled token states."
    )

    @Option(help: "A training config: its data, backbone and item-text settings are probed.")
    var config = "configs/ml-100k.yaml"

    @Option(help: "Backbone depths (blocks from the bottom) whose token states are pooled, comma-separated.")
    var depths = "8,16,30"

    @Option(help: "Cases per ranking batch.")
    var batch = 256

    func run() throws {
        let depths = try CommaSeparated.values(self.depths, option: "--depths", expects: "positive integers") {
            Int($0).flatMap { $0 > 0 ? $0 : nil }
        }
        var config = try MixRecConfig.load(path: self.config)
        config.model.textVector = .align
        let workspace = MixRecWorkspace(
            textStateDirectory: MixRecWorkspace.defaultTextStateDirectory, log: { print($0) })
        let (model, data) = try workspace.model(for: config)
        let cases = data.split.evaluationCases(users: (0..<Int32(data.split.userCount)), stage: .test)
        let probe = TextNeighbourProbe(cases: cases, itemCount: data.itemCount, batchSize: self.batch)
        var rows = probe.rows(
            "[ALIGN] state after \(config.backbone.layers) blocks (model.text_vector: align)", model.itemTextVectors)
        for depth in depths {
            var backboneConfig = config.backbone
            backboneConfig.layers = depth
            let backbone = try workspace.backbone(backboneConfig)
            let started = Date()
            let pooled = backbone.spanKeyValueTable(tokens: data.itemTokens, layers: (depth - 1)..<depth).meanStates
            print(
                String(
                    format: "pooled %d items through %d blocks in %.1f s", data.itemCount, depth,
                    -started.timeIntervalSinceNow))
            rows += probe.rows(
                "mean of the text's token states after \(depth) blocks (token_mean at backbone.layers \(depth))",
                pooled)
        }
        print("test cases: \(cases.count); history excluded; ratios against the first row (same query)")
        print("representation | query | NDCG@10 | HR@10 | ratio")
        let baselines = Dictionary(
            rows.prefix(2).map { ($0.query, $0.metrics.ndcg(at: 10)) }, uniquingKeysWith: { a, _ in a })
        for row in rows {
            let baseline = baselines[row.query] ?? 0
            let ratio = baseline > 0 ? String(format: "%.2f", row.metrics.ndcg(at: 10) / baseline) : "-"
            print(
                String(
                    format: "%@ | %@ | %.4f | %.4f | %@", row.representation, row.query, row.metrics.ndcg(at: 10),
                    row.metrics.hitRate(at: 10), ratio))
        }
    }
}

/// Nearest-neighbour ranking of held-out next items by text vectors.
struct TextNeighbourProbe {
    struct Row {
        let representation: String
        let query: String
        let metrics: RankingMetrics
    }

    let cases: [EvaluationCase]
    let itemCount: Int
    let batchSize: Int

    /// The metrics of `vectors` (`[I, D]`, any scale) under both queries.
    func rows(_ representation: String, _ vectors: Tensor) -> [Row] {
        let unit = vectors.centredUnitRows()
        return [
            Row(representation: representation, query: "history mean", metrics: self.rank(unit) { $0 }),
            Row(representation: representation, query: "last item", metrics: self.rank(unit) { $0.suffix(1) }),
        ]
    }

    /// Ranks every case by the dot product of each candidate with the mean vector of `query(history)`.
    private func rank(_ table: Tensor, query: (ArraySlice<Int32>) -> ArraySlice<Int32>) -> RankingMetrics {
        var ranker = TargetRanker(itemCount: self.itemCount)
        var metrics = RankingMetrics()
        for start in stride(from: 0, to: self.cases.count, by: self.batchSize) {
            let batch = Array(self.cases[start..<min(start + self.batchSize, self.cases.count)])
            let queries = table.meanRows(of: batch.map { query($0.history) })
            let scores = Tensor.matmul(queries, table, transposeB: true)
            scores.withUnsafeBufferPointer { ranker.accumulate(scores: $0, cases: batch, into: &metrics) }
        }
        return metrics
    }
}
