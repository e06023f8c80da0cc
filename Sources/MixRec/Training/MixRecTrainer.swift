import Foundation
import RecData
import Tensor

/// Trains a ``MixRecModel``: AdamW with warm-up and cosine decay over mini-batches of users, validation after every
/// epoch, early stopping on validation NDCG@10, and test metrics of the best epoch.
///
/// Deterministic for a given seed and thread count: batches, dropout and initialisation derive from `seed`, the
/// epoch and the step, so a run resumed from ``checkpoint()`` reaches the same result as an uninterrupted one. In a
/// data-parallel group every rank trains its share of each global batch and the ``GradientReducer`` sums the
/// gradients, which are normalised by global counts: the group takes the same steps as one process would, up to
/// dropout masks and Float rounding; with `train.batch_chunks` every rank computes whole chunks of the batch and the
/// steps are bit-identical whatever the group's size (``ChunkGradientSum``).
public final class MixRecTrainer {
    /// The model being trained.
    public let model: MixRecModel
    /// The data it trains on.
    public let data: RecommendationData
    let role: DataParallelRole
    let reducer: GradientReducer?
    let optimizer: AdamW
    let parameters: [Tensor]
    /// The groups evaluation reports cases in (popularity buckets of the training data, cold targets).
    let groups: CaseGroups
    /// Where a fresh run takes its collaborative warm start from, and stores the one it computes (with
    /// `train.cf_pretrain.reuse`).
    let warmStarts: WarmStartCache?
    /// A warm start shared with other processes (a cluster worker's study-wide one); nil: none.
    public var warmStartHandOver: WarmStartHandOver?
    var progress = TrainingProgress()

    /// The metric early stopping and model selection use.
    public static let selectionMetric = "ndcg@10"

    /// A trainer of `model` on `data` as `role` of its group, taking its collaborative warm start from `warmStarts`
    /// when it holds it (and storing it there when not), as `train.cf_pretrain.reuse` allows.
    public init(
        model: MixRecModel, data: RecommendationData, role: DataParallelRole = .single, reducer: GradientReducer? = nil,
        warmStarts: WarmStartCache? = nil
    ) {
        precondition(role.worldSize == 1 || reducer != nil, "a data-parallel group needs a gradient reducer")
        self.model = model
        self.data = data
        self.role = role
        self.reducer = reducer
        self.warmStarts = warmStarts
        self.parameters = model.parameters.tensors
        self.groups = CaseGroups(
            popularity: PopularityBuckets(
                trainingSequences: data.split.trainingSequences, itemCount: data.itemCount,
                headFraction: model.config.evaluation.headItems),
            coldItems: data.split.coldItems)
        let training = model.config.training
        self.optimizer = AdamW(
            parameters: self.parameters,
            configuration: AdamW.Configuration(
                learningRate: Float(training.learningRate), weightDecay: Float(training.weightDecay)))
        let collaborative = Set((model.collaborative?.parameters.tensors ?? []).map(ObjectIdentifier.init))
        self.optimizer.rateScales = self.parameters.map {
            collaborative.contains(ObjectIdentifier($0)) ? Float(training.collaborativeRateScale) : 1
        }
    }

    /// Builds the model for `config` from a workspace's cached backbone, data and text states; the collaborative
    /// warm start comes from the workspace's cache too when it holds it.
    public convenience init(
        config: MixRecConfig, workspace: MixRecWorkspace, role: DataParallelRole = .single,
        reducer: GradientReducer? = nil
    ) throws {
        let (model, data) = try workspace.model(for: config)
        self.init(model: model, data: data, role: role, reducer: reducer, warmStarts: workspace.warmStarts)
    }

    /// Epochs completed so far (after ``restore(_:)``, where training resumes).
    public var completedEpochs: Int { self.progress.epoch }

    // MARK: - Training

    /// Trains from the current state (fresh, or restored) to the end or early stop.
    /// - Parameters:
    ///   - onStep: called after every optimiser step.
    ///   - onEpoch: called after every epoch with its summary (after ``checkpoint()`` reflects it); `.stop` ends
    ///     training there, and the final evaluation follows unless `isCancelled` says otherwise.
    ///   - onRung: called at every rung of `train.rungs` with the validation metrics there (a rung on an epoch's
    ///     last step takes the epoch's validation and comes before `onEpoch`); without it, rungs are not validated.
    ///   - isCancelled: polled before every step and before the final evaluation; when true, training throws
    ///     ``TrainingError/cancelled``.
    ///   - onCollaborativeEpoch: called after every epoch of the collaborative warm start (`train.cf_pretrain`),
    ///     which runs before the first joint step of a fresh run.
    ///   - onEvaluation: called after every batch of users ranked in the validation pass of each epoch and in the
    ///     final test pass (long without context masking, when every history runs through the whole backbone).
    /// - Returns: the best epoch's validation metrics and its test metrics.
    public func train(
        onStep: ((StepReport) -> Void)? = nil, onEpoch: (EpochSummary) throws -> TrainingControl = { _ in .proceed },
        onRung: ((RungReport) throws -> Void)? = nil, isCancelled: () -> Bool = { false },
        onCollaborativeEpoch: (CollaborativePretrainingEpoch) -> Void = { _ in },
        onEvaluation: ((EvaluationProgress) -> Void)? = nil
    ) throws -> TrainingResult {
        let started = Date()
        let config = self.model.config
        if self.progress.step == 0 {
            // A fresh run: the item bias starts from training popularity (only here, so a trainer around a trained
            // model, as in `mixrec evaluate`, or a restored run keeps the trained bias), then the warm start.
            self.model.initialiseItemBias(trainingSequences: self.data.split.trainingSequences)
            if let collaborative = self.model.collaborative {
                // The collaborative model alone, before joint training: what the joint model is measured against.
                let warmStart = try self.warmStart(
                    collaborative, isCancelled: isCancelled, onEpoch: onCollaborativeEpoch)
                self.progress.warmStart = warmStart
                if self.model.linkGate != nil {
                    // With the gate at 0 the joint model ranks as the collaborative model: epoch 0, which a joint
                    // epoch has to beat on validation to be kept.
                    let value = warmStart.validation.values(
                        source: ScoreSource.collaborative.rawValue, excludeHistory: config.evaluation.excludeHistory,
                        group: CaseGroups.names[0])?[Self.selectionMetric]
                    self.progress.recordStart(validation: value ?? 0, parameters: self.parameters)
                }
            }
        }
        if config.training.collaborativeRateScale == 0 {
            // Frozen, the collaborative model is a constant of joint training: it records no graph, so no backward
            // pass runs into it, and it has no gradients to clip or to all-reduce.
            self.model.collaborative?.parameters.tensors.forEach { $0.requiresGrad = false }
        }
        let batches = UserBatches(
            users: self.data.split.trainableUsers, batchSize: config.training.batchUsers, seed: config.seed)
        let totalSteps = batches.batchCount * config.training.epochs
        let schedule = LearningRateSchedule(
            peak: config.training.learningRate, totalSteps: totalSteps, warmupFraction: config.training.warmupFraction)
        let rungs = RungSchedule(fractions: config.training.rungs, totalSteps: totalSteps)
        var stopped = self.progress.badEpochs >= config.training.patience
        while !stopped && self.progress.epoch < config.training.epochs {
            let epochStart = Date()
            let epoch = self.progress.epoch
            self.model.refreshAdaptedText()
            var sums: [String: Double] = [:]
            var total = 0.0
            var stepSeconds: [StepSeconds] = []
            let epochBatches = batches.batches(epoch: epoch)
            for (index, users) in epochBatches.enumerated() {
                if isCancelled() { throw TrainingError.cancelled }
                var clock = PhaseClock()
                var seconds = StepSeconds()
                let (value, parts, batchUsers) = try self.gradients(
                    users, epoch: epoch, clock: &clock, seconds: &seconds)
                if config.training.clipNorm > 0 {
                    clipGradientNorm(self.parameters, maxNorm: Float(config.training.clipNorm))
                }
                self.optimizer.configuration.learningRate = Float(schedule.rate(atStep: self.progress.step))
                self.optimizer.update()
                self.optimizer.zeroGradients()
                seconds.update = clock.lap()
                stepSeconds.append(seconds)
                self.progress.step += 1
                total += value
                for (name, part) in parts { sums[name, default: 0] += part }
                onStep?(
                    StepReport(
                        epoch: epoch, batch: index + 1, batchCount: epochBatches.count, step: self.progress.step,
                        losses: parts, users: batchUsers, seconds: seconds))
                if index < epochBatches.count - 1 {
                    try self.reportRungs(
                        rungs.rungs(atStep: self.progress.step), epoch: epoch, started: epochStart, validation: nil,
                        to: onRung, onEvaluation: onEvaluation)
                }
            }
            let validation = try self.evaluate(
                .validation, excludeHistory: [config.evaluation.excludeHistory], progress: onEvaluation)
            let metrics = validation.headline(excludeHistory: config.evaluation.excludeHistory)
            try self.reportRungs(
                rungs.rungs(atStep: self.progress.step), epoch: epoch, started: epochStart, validation: metrics,
                to: onRung, onEvaluation: onEvaluation)
            self.progress.validationHistory.append(metrics)
            self.progress.recordEpoch(validation: metrics[Self.selectionMetric] ?? 0, parameters: self.parameters)
            if self.progress.bestEpoch == self.progress.epoch { self.progress.bestValidation = validation }
            let steps = Double(max(epochBatches.count, 1))
            let summary = EpochSummary(
                epoch: epoch + 1, validation: metrics, loss: total / steps,
                losses: sums.mapValues { $0 / steps }, seconds: Date().timeIntervalSince(epochStart),
                steps: StepSeconds.medians(of: stepSeconds))
            stopped =
                try onEpoch(summary) == .stop || self.progress.badEpochs >= config.training.patience
        }
        // A run cancelled by now (a trial pruned on its last rung, a stop signal) ends here: the test passes and the
        // calibration fit take minutes on a large catalogue, and nobody reads their result.
        if isCancelled() { throw TrainingError.cancelled }
        return try self.finish(seconds: Date().timeIntervalSince(started), onEvaluation: onEvaluation)
    }

    /// Reports `rungs` (those on the step just taken, inside `epoch`, 0-based, which began at `started`) with
    /// `validation`, the epoch's when the step ends it, else validated once here for all of them.
    private func reportRungs(
        _ rungs: [RungSchedule.Rung], epoch: Int, started: Date, validation: [String: Double]?,
        to onRung: ((RungReport) throws -> Void)?, onEvaluation: ((EvaluationProgress) -> Void)?
    ) throws {
        guard let onRung, !rungs.isEmpty else { return }
        let exclude = self.model.config.evaluation.excludeHistory
        let metrics =
            try validation
            ?? self.evaluate(.validation, excludeHistory: [exclude], progress: onEvaluation)
            .headline(excludeHistory: exclude)
        for rung in rungs {
            try onRung(
                RungReport(
                    rung: rung.number, fraction: rung.fraction, epoch: epoch + 1, step: self.progress.step,
                    validation: metrics, seconds: Date().timeIntervalSince(started)))
        }
    }

    /// The metrics and accounting of the model as it stands (a trained model loaded back, for `mixrec evaluate`):
    /// validation and test are ranked again, and `collaborative` is the model's collaborative part.
    public func evaluateModel(onEvaluation: ((EvaluationProgress) -> Void)? = nil) throws -> TrainingResult {
        let started = Date()
        var result = try self.finish(seconds: 0, onEvaluation: onEvaluation)
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    /// Test metrics of the best epoch's parameters (which the model keeps afterwards), with the run's accounting.
    private func finish(seconds: Double, onEvaluation: ((EvaluationProgress) -> Void)?) throws -> TrainingResult {
        self.progress.restoreBest(into: self.parameters)
        let exclude = self.model.config.evaluation.excludeHistory
        let calibration =
            self.model.config.evaluation.calibrate ? try self.fitCalibration(progress: onEvaluation) : nil
        let test = try self.evaluate(.test, excludeHistory: [exclude, !exclude], progress: onEvaluation)
        // A checkpoint of older code has no report of its best epoch: the best parameters give it again.
        let validation =
            try self.progress.bestValidation
            ?? self.evaluate(.validation, excludeHistory: [exclude], progress: onEvaluation)
        let accounting = RunAccounting(
            joint: StageReports(validation: validation, test: test), warmStart: self.progress.warmStart,
            references: try self.referenceReport(excludeHistory: exclude),
            gate: self.model.linkGate.map { Double($0.item) },
            textGate: self.model.textMatch.map { Double($0.weight) }, calibration: calibration,
            excludeHistory: exclude, headItems: self.model.config.evaluation.headItems,
            coldItems: self.data.split.coldItems?.fraction)
        let bestIndex = self.progress.bestEpoch - 1
        return TrainingResult(
            validation: self.progress.validationHistory.indices.contains(bestIndex)
                ? self.progress.validationHistory[bestIndex] : validation.headline(excludeHistory: exclude),
            test: test.headline(excludeHistory: exclude), testOtherProtocol: test.headline(excludeHistory: !exclude),
            epochs: self.progress.epoch, bestEpoch: self.progress.bestEpoch, seconds: seconds, accounting: accounting)
    }

    /// The weighted training loss of the first global batch of `epoch` along `path`, with its parts: for
    /// benchmarks and inspection (backward it to time a step; nothing is updated).
    public func batchLoss(epoch: Int = 0, path: ForwardPath) -> (total: Tensor, parts: [String: Double]) {
        let config = self.model.config
        let batches = UserBatches(
            users: self.data.split.trainableUsers, batchSize: config.training.batchUsers, seed: config.seed)
        let batch = self.trainingBatch(batches.batches(epoch: epoch).first ?? [])
        var generator = RandomGenerator(seed: config.seed)
        let loss = self.model.loss(
            batch, hardNegatives: self.data.hardNegatives, batchParts: self.role.worldSize, path: path,
            generator: &generator)
        return (loss.total, loss.parts)
    }

    /// Computes the gradients of global batch `batch` of `epoch` (wrapping around) as a training step does
    /// (`train.batch_chunks` or this rank's share, summed over the group) and returns this rank's loss: for
    /// benchmarks of the whole step's gradient work; nothing is updated (``zeroGradients()`` drops them).
    public func stepGradients(epoch: Int = 0, batch: Int = 0) throws -> Double {
        let config = self.model.config
        let batches = UserBatches(
            users: self.data.split.trainableUsers, batchSize: config.training.batchUsers, seed: config.seed
        ).batches(epoch: epoch)
        var (clock, seconds) = (PhaseClock(), StepSeconds())
        return try self.gradients(
            batches.isEmpty ? [] : batches[batch % batches.count], epoch: epoch, clock: &clock, seconds: &seconds
        ).loss
    }

    /// This rank's part of the global batch of `users` (or the part `shard` names: a chunk).
    private func trainingBatch(_ users: [Int32], shard: DataParallelShard? = nil) -> TrainingBatch {
        let config = self.model.config
        return TrainingBatch(
            users: users, split: self.data.split, maximumHistory: config.data.maximumHistory,
            collaborativeHistory: config.collaborativeHistory, hardNegatives: self.data.hardNegatives,
            negativeCount: config.model.hardNegatives, excludeHistory: config.trainingExcludesHistory,
            shard: shard ?? self.role.shard)
    }

    /// Drops the gradients of every trainable parameter.
    public func zeroGradients() {
        self.optimizer.zeroGradients()
    }

    // MARK: - Evaluation

    /// Metrics of this group on every user's validation or test case, per score source and case group (each rank
    /// ranks its share; the counts are summed over the group). `progress` is called after every batch of this
    /// rank's users.
    public func evaluate(
        _ stage: EvaluationStage, excludeHistory: [Bool], progress: ((EvaluationProgress) -> Void)? = nil
    ) throws -> RankingReport {
        let cases = self.data.split.evaluationCases(
            users: self.role.shard.users(of: self.data.split.userCount), stage: stage)
        let rankProgress = progress.map { report in
            { (done: Int) in report(EvaluationProgress(stage: stage, done: done, total: cases.count)) }
        }
        let local = self.model.rank(cases, excludeHistory: excludeHistory, groups: self.groups, progress: rankProgress)
        return try self.summedOverGroup(local)
    }

    /// The popularity and text nearest-neighbour baselines on the cold test cases, with cold items (nil without).
    private func referenceReport(excludeHistory: Bool) throws -> RankingReport? {
        guard let cold = self.data.split.coldItems else { return nil }
        let cases = self.data.split.evaluationCases(
            users: self.role.shard.users(of: self.data.split.userCount), stage: .test
        ).filter { cold.contains($0.target) }
        let rankers = ReferenceRankers(
            trainingSequences: self.data.split.trainingSequences, textVectors: self.model.itemTextVectors)
        return try self.summedOverGroup(
            rankers.rank(
                cases, excludeHistory: [excludeHistory], groups: self.groups,
                batchSize: self.model.config.evaluation.batchUsers))
    }

    /// `report` summed over the data-parallel group.
    func summedOverGroup(_ report: RankingReport) throws -> RankingReport {
        guard let reducer = self.reducer, self.role.worldSize > 1 else { return report }
        let merged: RankingReport?
        do { merged = try report.summed { try reducer.allReduceSum(&$0) } } catch {
            throw TrainingError.reduction("\(error)")
        }
        guard let merged else { throw TrainingError.reduction("inconsistent metric counts from the group") }
        return merged
    }

    // MARK: - Data parallelism

    /// The gradient of the global batch `users`, by chunks with `train.batch_chunks`, else as this rank's share:
    /// this rank's loss, its parts and its users. The forward, backward and reduce parts of `seconds` are timed
    /// with `clock`.
    private func gradients(
        _ users: [Int32], epoch: Int, clock: inout PhaseClock, seconds: inout StepSeconds
    ) throws -> (loss: Double, parts: [String: Double], users: Int) {
        self.model.config.training.batchChunks > 0
            ? try self.chunkedGradients(users, epoch: epoch, clock: &clock, seconds: &seconds)
            : try self.shardGradients(users, epoch: epoch, clock: &clock, seconds: &seconds)
    }

    /// The gradient of the global batch `users` with this rank's share as one unit (`train.batch_chunks: 0`), summed
    /// over the group in Float: this rank's loss, its parts and its users.
    private func shardGradients(
        _ users: [Int32], epoch: Int, clock: inout PhaseClock, seconds: inout StepSeconds
    ) throws -> (Double, [String: Double], Int) {
        let batch = self.trainingBatch(users)
        var generator = RandomGenerator(seed: self.model.config.seed)
            .split(UInt64(self.progress.step) << 8 | UInt64(self.role.rank))
        let loss = self.model.loss(
            batch, hardNegatives: self.data.hardNegatives, batchParts: self.role.worldSize, generator: &generator)
        let value = Double(loss.total.item)
        seconds.forward = clock.lap()
        guard value.isFinite else { throw TrainingError.diverged(epoch: epoch, step: self.progress.step) }
        loss.total.backward()
        let trained = self.materializedGradients()
        seconds.backward = clock.lap()
        if let reducer = self.reducer, self.role.worldSize > 1 {
            do { try trained.sumGradients { try reducer.allReduceSum(&$0) } } catch {
                throw TrainingError.reduction("\(error)")
            }
            seconds.reduce = clock.lap()
        }
        return (value, loss.parts, batch.windows.count)
    }

    /// The gradient of the global batch `users` computed chunk by chunk (`train.batch_chunks`): this rank runs
    /// forward and backward on each of its whole chunks alone, with dropout keyed by (seed, epoch, step, chunk), and
    /// the chunks' gradients are summed exactly over the group (``ChunkGradientSum``), so every group size gives the
    /// same bits. Returns this rank's loss (the sum over its chunks), its parts and its users.
    private func chunkedGradients(
        _ users: [Int32], epoch: Int, clock: inout PhaseClock, seconds: inout StepSeconds
    ) throws -> (Double, [String: Double], Int) {
        let config = self.model.config
        // A batch smaller than the chunk count has one chunk per user; a rank left without a chunk adds zeros.
        let chunkCount = min(config.training.batchChunks, max(users.count, 1))
        let trained = self.parameters.filter(\.requiresGrad)
        var exact = ChunkGradientSum(sizes: trained.map(\.count), chunkCount: chunkCount)
        var (value, parts, batchUsers) = (0.0, [String: Double](), 0)
        for chunk in self.role.shard.part(of: Array(0..<chunkCount)) {
            let batch = self.trainingBatch(users, shard: DataParallelShard(rank: chunk, worldSize: chunkCount))
            var generator = RandomGenerator(
                seed: config.seed, key: [UInt64(epoch), UInt64(self.progress.step), UInt64(chunk)])
            let loss = self.model.loss(
                batch, hardNegatives: self.data.hardNegatives, batchParts: chunkCount, generator: &generator)
            let chunkValue = Double(loss.total.item)
            seconds.forward += clock.lap()
            guard chunkValue.isFinite else { throw TrainingError.diverged(epoch: epoch, step: self.progress.step) }
            loss.total.backward()
            let flat = trained.flatGradients()
            self.optimizer.zeroGradients()
            guard exact.add(chunk: chunk, gradient: flat) else {
                throw TrainingError.diverged(epoch: epoch, step: self.progress.step)
            }
            seconds.backward += clock.lap()
            value += chunkValue
            for (name, part) in loss.parts { parts[name, default: 0] += part }
            batchUsers += batch.windows.count
        }
        var slots = exact.exponentSlots()
        try self.allReduce(&slots)
        let shifts = exact.shifts(summedSlots: slots)
        var sums = exact.fixedPointSum(shifts: shifts)
        try self.allReduce(&sums)
        trained.setGradients(exact.values(of: sums, shifts: shifts))
        seconds.reduce = clock.lap()
        return (value, parts, batchUsers)
    }

    /// `values` summed exactly over the group (unchanged for a single process).
    private func allReduce(_ values: inout [Int64]) throws {
        guard let reducer = self.reducer, self.role.worldSize > 1 else { return }
        do { try reducer.allReduceSum(&values) } catch { throw TrainingError.reduction("\(error)") }
    }

    /// The trained parameters (all but a frozen collaborative model; the same on every rank, in the same order),
    /// each with a gradient: a parameter no token reached gets zeros, so unused experts cannot desynchronise
    /// replicas when the group sums them.
    private func materializedGradients() -> [Tensor] {
        let trained = self.parameters.filter(\.requiresGrad)
        for parameter in trained { parameter.materializedGradient() }
        return trained
    }
}

/// Where training stands: what a checkpoint stores besides the parameters and the optimiser's moments.
struct TrainingProgress {
    /// Epochs completed.
    var epoch = 0
    /// Optimiser steps taken.
    var step = 0
    /// The best validation NDCG@10 so far (as Float, so a restored run compares exactly as the original did).
    var bestValue: Float = -1
    /// The 1-based epoch that reached it (0: none yet, or the start of joint training, ``recordStart``).
    var bestEpoch = 0
    /// Epochs since the best.
    var badEpochs = 0
    /// Copies of the parameters at the best epoch.
    var bestParameters: [Tensor]?
    /// Validation metrics of every completed epoch.
    var validationHistory: [[String: Double]] = []
    /// The best epoch's whole validation report (nil in a checkpoint of older code).
    var bestValidation: RankingReport?
    /// The collaborative model alone after its warm start (nil without the model or in older checkpoints).
    var warmStart: StageReports?

    /// Records the parameters before the first epoch as the best so far, with their validation value: an epoch
    /// is then kept only if it beats them.
    mutating func recordStart(validation: Double, parameters: [Tensor]) {
        self.bestValue = Float(validation)
        self.bestEpoch = 0
        self.bestParameters = parameters.map { $0.detached() }
    }

    mutating func recordEpoch(validation: Double, parameters: [Tensor]) {
        self.epoch += 1
        if Float(validation) > self.bestValue {
            self.bestValue = Float(validation)
            self.bestEpoch = self.epoch
            self.badEpochs = 0
            self.bestParameters = parameters.map { $0.detached() }
        } else {
            self.badEpochs += 1
        }
    }

    /// Copies the best epoch's parameters into `parameters` (nothing when no epoch was recorded).
    func restoreBest(into parameters: [Tensor]) {
        guard let best = self.bestParameters else { return }
        for (parameter, saved) in zip(parameters, best) { parameter.copyValues(from: saved) }
    }
}
