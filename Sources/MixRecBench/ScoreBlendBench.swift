import ArgumentParser
import Foundation
import MixRec
import RecData
import Tensor

/// `mixrec-bench blend`: what a text nearest-neighbour term would add to a trained run's ranking.
///
/// Each case's scores from the run (its joint model and its collaborative model alone) get `α · ⟨q, t_i⟩` added,
/// with `t_i` the items' frozen text vectors (`model.text_vector`) and `q` the mean vector of the case's history
/// (or of its last few items). The weight is chosen on validation and reported on test, beside α = 0, the run's
/// own ranking: an upper bound, found without training, on what a fixed text-similarity term can add. With
/// `--cold-weights`/`--cold-offsets` each blend also gets ``ScoreCalibration``'s unseen-item term, and with
/// `eval.cold_items` its metrics are split into warm and cold targets: the trade-off behind `eval.calibrate`'s choice.
struct ScoreBlendBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blend",
        abstract: "A trained run's ranking plus a weighted text nearest-neighbour term, on validation and test."
    )

    @Option(help: "A finished `mixrec train` run folder.")
    var checkpoint: String

    @Option(help: "Weights α of the text term, comma-separated (0 is the run's own ranking).")
    var weights = "0,1,2,4,8,16,32"

    @Option(help: "History lengths the text query averages (0 = the whole model input), comma-separated.")
    var queries = "0,5,1"

    @Option(
        help: ArgumentHelp(
            "Extra weights β of the run's own text-match term (ungated), added to the joint scores, comma-separated "
                + "(0 = as trained): does the learnt gate undershoot?"))
    var termWeights = "0"

    @Option(
        help: ArgumentHelp(
            "Offsets b of the unseen-item term (`eval.calibrate`) added to the scores of items no training sequence "
                + "holds, comma-separated; with `eval.cold_items` metrics are also split into warm and cold targets."))
    var coldOffsets = "0"

    @Option(
        help: ArgumentHelp(
            "Weights w of the unseen-item term, comma-separated: such an item's score gains w · ⟨t_last, t_i⟩ + b "
                + "(every pair of --cold-weights and --cold-offsets)."))
    var coldWeights = "0"

    @Option(
        help: ArgumentHelp(
            "What the unseen-item term matches in place of ⟨t_last, t_i⟩: last (the last item's text), query (the "
                + "blend's text query, --queries) or term (the run's own text-match term ⟨q, t_i⟩, ungated)."))
    var coldMatch: ColdMatch = .last

    /// The text score the unseen-item term weights.
    enum ColdMatch: String, ExpressibleByArgument, CaseIterable {
        case last, query, term
    }

    @Option(
        help: ArgumentHelp(
            "Numbers K of text neighbours, comma-separated: an unseen item's own score is replaced by the weighted "
                + "scores of its K text-nearest trained items before the unseen-item term (0 = its own score)."))
    var coldNeighbours = "0"

    @Option(
        help: ArgumentHelp(
            "Instead of the blends, re-run `eval.calibrate`'s fit on a cold-item run for each of these "
                + "`eval.unseen_warm_allowance` values, comma-separated (0 = the best over all cases): every candidate "
                + "ranked once on validation and once on test, chosen on validation, its test warm and cold figures "
                + "beside it."))
    var calibrationAllowances = ""

    @Option(help: "Evaluation cases per stage (0 = all): a quicker, noisier estimate.")
    var cases = 0

    @Option(
        help: ArgumentHelp(
            "Parameters set to zero before ranking, comma-separated names (e.g. text_match.query_map): an ablation at "
                + "evaluation time."))
    var zero = ""

    func run() throws {
        let weights = try CommaSeparated.values(self.weights, option: "--weights", expects: "non-negative numbers") {
            Float($0).flatMap { $0 >= 0 ? $0 : nil }
        }
        let queries = try CommaSeparated.values(
            self.queries, option: "--queries", expects: "non-negative integers"
        ) { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
        let termWeights = try CommaSeparated.values(
            self.termWeights, option: "--term-weights", expects: "non-negative numbers"
        ) { Float($0).flatMap { $0 >= 0 ? $0 : nil } }
        let coldOffsets = try CommaSeparated.values(
            self.coldOffsets, option: "--cold-offsets", expects: "numbers"
        ) { Float($0) }
        let coldWeights = try CommaSeparated.values(
            self.coldWeights, option: "--cold-weights", expects: "non-negative numbers"
        ) { Float($0).flatMap { $0 >= 0 ? $0 : nil } }
        let neighbourCounts = try CommaSeparated.values(
            self.coldNeighbours, option: "--cold-neighbours", expects: "non-negative integers"
        ) { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
        let allowances =
            self.calibrationAllowances.isEmpty
            ? nil
            : try CommaSeparated.values(
                self.calibrationAllowances, option: "--calibration-allowances", expects: "numbers from 0 to 0.5"
            ) { Double($0).flatMap { (0...0.5).contains($0) ? $0 : nil } }
        let unseenTerms = coldWeights.flatMap { weight in
            coldOffsets.map { ScoreCalibration(lastItemText: 0, unseenText: weight, unseenOffset: $0) }
        }
        let workspace = MixRecWorkspace(
            textStateDirectory: MixRecWorkspace.defaultTextStateDirectory, log: { print($0) })
        let run = try TrainedRun(folder: self.checkpoint, overrides: [], workspace: workspace)
        for name in self.zero.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !name.isEmpty {
            guard let parameter = run.model.parameters.byName[name] else {
                throw ValidationError("--zero: the model has no parameter '\(name)'")
            }
            parameter.copyValues(from: Tensor.zeros(parameter.shape))
            print("\(name) set to zero")
        }
        if let allowances {
            return try self.fitCalibrations(run, allowances: allowances)
        }
        if self.coldMatch == .term && !run.config.model.textMatch {
            throw ValidationError("--cold-match term: the run has no text-match term (model.text_match is off)")
        }
        let text = run.model.itemTextVectors
        let neighbourScores = neighbourCounts.map { count in
            (
                count,
                count > 0
                    ? run.model.unseenItems.map {
                        TextNeighbourScores(textVectors: text, unseen: $0.mask, count: count)
                    }
                    : nil
            )
        }
        let scorer = run.model.historyScorer()
        let maximumLength = run.config.collaborativeHistory
        let coldItems = run.data.split.coldItems
        var table: [String: [Stage: Double]] = [:]
        var labels: [String] = []
        for stage in [Stage.validation, .test] {
            var cases = run.data.split.evaluationCases(
                users: 0..<Int32(run.data.split.userCount), stage: stage.evaluation)
            if self.cases > 0 { cases = Array(cases.prefix(self.cases)) }
            let started = Date()
            var blends = BlendMetrics(itemCount: run.data.itemCount)
            let batchSize = run.config.evaluation.batchUsers
            for start in stride(from: 0, to: cases.count, by: batchSize) {
                let batch = Array(cases[start..<min(start + batchSize, cases.count)])
                let inputs = batch.map { $0.input(maxLength: maximumLength).map { Int($0) } }
                let parts = scorer(inputs)
                let lastItem = coldItems.map { _ in run.model.lastItemTextScores(inputs) }
                let joints = termWeights.map { weight in
                    guard weight > 0, let term = parts.text else { return ("joint", parts.joint) }
                    return ("joint + \(weight) term", parts.joint + term.scaled(by: weight))
                }
                let bases = joints + (parts.collaborative.map { [("collaborative", $0)] } ?? [])
                let textScores = queries.map { length in
                    let histories = batch.map {
                        length > 0 ? $0.history.suffix(length) : $0.input(maxLength: maximumLength)
                    }
                    return (length, Tensor.matmul(text.meanRows(of: histories), text, transposeB: true))
                }
                for (name, base) in bases {
                    for (length, textScore) in textScores {
                        for weight in weights where weight > 0 || length == queries[0] {
                            let label = "\(name) | \(length == 0 ? "history" : "last \(length)") | \(weight)"
                            let scores = base + textScore.scaled(by: weight)
                            guard let coldItems, let lastItem else {
                                blends.add(label, scores: scores, cases: batch)
                                continue
                            }
                            let match =
                                switch self.coldMatch {
                                case .last: lastItem
                                case .query: textScore
                                case .term: parts.text ?? lastItem
                                }
                            for (count, neighbours) in neighbourScores {
                                let own = neighbours?.apply(to: scores) ?? scores
                                for unseen in unseenTerms {
                                    let shifted = unseen.apply(
                                        to: own, lastItemText: match, unseen: run.model.unseenItems)
                                    let labelled =
                                        "\(label) | cold \(count) nb, \(unseen.unseenText)·match + \(unseen.unseenOffset)"
                                    blends.add(labelled, scores: shifted, cases: batch)
                                    blends.add(
                                        labelled + " | warm cases", scores: shifted, cases: batch,
                                        where: { !coldItems.contains($0.target) })
                                    blends.add(
                                        labelled + " | cold cases", scores: shifted, cases: batch,
                                        where: { coldItems.contains($0.target) })
                                }
                            }
                        }
                    }
                }
            }
            print(String(format: "%@: %d cases in %.0f s", stage.rawValue, cases.count, -started.timeIntervalSinceNow))
            for (label, metrics) in blends.metrics {
                if table[label] == nil { labels.append(label) }
                table[label, default: [:]][stage] = metrics.ndcg(at: 10)
            }
        }
        print("base | text query | α | valid NDCG@10 | test NDCG@10 | test ratio to α = 0")
        func base(_ label: String) -> String { label.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) }
        func ratio(_ label: String) -> Double {
            let reference = labels.first { base($0) == base(label) }.flatMap { table[$0]?[.test] } ?? 0
            return (table[label]?[.test] ?? 0) / max(reference, 1e-9)
        }
        for label in labels {
            print(
                String(
                    format: "%@ | %.4f | %.4f | %.3f", label, table[label]?[.validation] ?? 0,
                    table[label]?[.test] ?? 0, ratio(label)))
        }
        for name in Set(labels.map(base)).sorted() {
            let best = labels.filter { base($0) == name && !$0.hasSuffix("cases") }.max {
                table[$0]?[.validation] ?? 0 < table[$1]?[.validation] ?? 0
            }
            guard let best else { continue }
            print(
                String(
                    format: "best on validation for %@: %@, test %.4f (ratio %.3f)", name, best,
                    table[best]?[.test] ?? 0, ratio(best)))
        }
    }

    private enum Stage: String {
        case validation, test
        var evaluation: EvaluationStage { self == .validation ? .validation : .test }
    }
}

/// Full-ranking metrics per named score blend, history excluded.
private struct BlendMetrics {
    private var ranker: TargetRanker
    private(set) var metrics: [(String, RankingMetrics)] = []
    private var index: [String: Int] = [:]

    init(itemCount: Int) { self.ranker = TargetRanker(itemCount: itemCount) }

    /// Adds the batch's cases that `filter` keeps (their score rows only).
    mutating func add(
        _ label: String, scores: Tensor, cases: [EvaluationCase], where filter: (EvaluationCase) -> Bool
    ) {
        let kept = cases.indices.filter { filter(cases[$0]) }
        guard !kept.isEmpty else { return }
        self.add(label, scores: scores.gather(rows: kept), cases: kept.map { cases[$0] })
    }

    mutating func add(_ label: String, scores: Tensor, cases: [EvaluationCase]) {
        let slot = self.index[label] ?? self.metrics.count
        if slot == self.metrics.count {
            self.index[label] = slot
            self.metrics.append((label, RankingMetrics()))
        }
        scores.withUnsafeBufferPointer { self.ranker.accumulate(scores: $0, cases: cases, into: &self.metrics[slot].1) }
    }
}
