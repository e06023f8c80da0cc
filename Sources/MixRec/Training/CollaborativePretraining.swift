import Foundation
import RecData
import Tensor

/// What one epoch of the collaborative warm start did.
public struct CollaborativePretrainingEpoch: Sendable, Equatable {
    /// The 1-based epoch and the most there may be.
    public var epoch: Int
    public var epochs: Int
    /// Mean next-item loss over the epoch's steps.
    public var loss: Double
    /// Validation metrics of the collaborative model alone (`ndcg@10`, `hr@10`, …).
    public var validation: [String: Double]
    /// Wall-clock seconds of the epoch, validation included.
    public var seconds: Double
}

/// Trains the collaborative model alone on its own next-item loss (`train.cf_pretrain.*`): Adam at a constant rate
/// over mini-batches of users, early-stopped on its own validation NDCG@10; the model keeps the best epoch's
/// parameters (with `average`, the best epoch's moving average of the parameters).
///
/// Deterministic for a seed, and it reads no other rank's data: every rank of a data-parallel group runs it whole
/// and reaches the same parameters without communicating.
struct CollaborativePretraining {
    let model: CollaborativeModel
    let split: LeaveOneOutSplit
    let settings: CollaborativePretrainingConfig
    /// The most recent items the model reads.
    let history: Int
    let seed: UInt64
    /// Whether each position's softmax leaves its earlier items out (``MixRecConfig/trainingExcludesHistory``).
    let trainingExcludesHistory: Bool
    /// Whether its validation ranking leaves the input history out (`eval.exclude_history`).
    let evaluationExcludesHistory: Bool
    let evaluationBatch: Int
    /// The groups its metrics are reported in.
    let groups: CaseGroups

    /// Runs the warm start.
    func run(isCancelled: () -> Bool, onEpoch: (CollaborativePretrainingEpoch) -> Void) throws {
        let parameters = self.model.parameters.tensors
        let optimizer = AdamW(
            parameters: parameters,
            configuration: AdamW.Configuration(learningRate: Float(self.settings.learningRate), weightDecay: 0))
        let batches = UserBatches(
            users: self.split.trainableUsers, batchSize: self.settings.batchUsers, seed: self.seed)
        let average =
            self.settings.averageDecay > 0
            ? ParameterAverage(parameters, decay: Float(self.settings.averageDecay)) : nil
        var progress = TrainingProgress()
        var step: UInt64 = 0
        let unavailable = self.split.unavailableItems
        for epoch in 0..<self.settings.epochs where progress.badEpochs < self.settings.patience {
            let started = Date()
            let epochBatches = batches.batches(epoch: epoch)
            var total = 0.0
            for users in epochBatches {
                if isCancelled() { throw TrainingError.cancelled }
                let windows = users.map { self.split.trainingWindow(user: $0, maxLength: self.history) }
                var generator = RandomGenerator(seed: self.seed).split(step)
                let states = self.model.states(
                    windows.map { $0.inputs.map { Int($0) } }, training: true, dropsIdentities: true,
                    generator: &generator)
                let positions = windows.reduce(0) { $0 + $1.inputs.count }
                let excluded = self.trainingExcludesHistory ? self.split.excludedItems(windows) : nil
                let loss = self.model.nextItemLoss(
                    states: states, targets: windows.map { $0.targets.map { Int($0) } }, excluded: excluded,
                    unavailable: unavailable
                ).scaled(by: 1 / Float(max(positions, 1)))
                let value = Double(loss.item)
                guard value.isFinite else { throw TrainingError.diverged(epoch: epoch, step: Int(step)) }
                loss.backward()
                optimizer.update()
                optimizer.zeroGradients()
                average?.update(from: parameters)
                total += value
                step += 1
            }
            // With averaging, the average is what is evaluated and kept.
            let validation = self.withEvaluatedValues(of: parameters, average) {
                let validation = self.validationMetrics()
                progress.recordEpoch(
                    validation: validation[MixRecTrainer.selectionMetric] ?? 0, parameters: parameters)
                return validation
            }
            onEpoch(
                CollaborativePretrainingEpoch(
                    epoch: epoch + 1, epochs: self.settings.epochs, loss: total / Double(max(epochBatches.count, 1)),
                    validation: validation, seconds: Date().timeIntervalSince(started)))
        }
        progress.restoreBest(into: parameters)
    }

    /// Runs `body` with the averaged values in `parameters` when there is an average, else with their own.
    private func withEvaluatedValues<Result>(
        of parameters: [Tensor], _ average: ParameterAverage?, _ body: () -> Result
    ) -> Result {
        average.map { $0.withAveragedValues(in: parameters, body) } ?? body()
    }

    /// Full-ranking metrics of the collaborative model alone (source `collaborative`) on every `stage` case the
    /// split ranks (warm and, with cold items, cold), under the validation protocol unless `excludeHistory` lists
    /// others.
    func evaluate(_ stage: EvaluationStage, excludeHistory: [Bool]? = nil) -> RankingReport {
        let cases = self.split.evaluationCases(users: (0..<self.split.userCount).map { Int32($0) }, stage: stage)
        let items = withoutGradients { self.model.itemVectors() }
        return rankCases(
            cases, itemCount: self.model.itemCount, sources: [ScoreSource.collaborative.rawValue],
            excludeHistory: excludeHistory ?? [self.evaluationExcludesHistory], groups: self.groups,
            batchSize: self.evaluationBatch
        ) { batch in
            var generator = RandomGenerator(seed: 0)
            let states = self.model.states(
                batch.map { $0.input(maxLength: self.history).map { Int($0) } }, items: items, training: false,
                generator: &generator)
            return [states.scores(states.last([Int](repeating: 1, count: batch.count)))]
        }
    }

    /// The validation metrics that pick the warm start's best epoch.
    private func validationMetrics() -> [String: Double] {
        let report = self.evaluate(.validation)
        let metrics = report.metrics(
            source: ScoreSource.collaborative.rawValue, excludeHistory: self.evaluationExcludesHistory,
            group: CaseGroups.names[0])
        return (metrics ?? RankingMetrics()).values.mapValues { Double(Float($0)) }
    }
}
