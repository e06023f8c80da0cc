import ConfigKit

/// How one training run goes: optimiser, schedule, batching and early stopping (`train.*`).
public struct TrainingConfig: Sendable, Equatable {
    /// Maximum number of passes over the training users.
    public var epochs = 20
    /// Users per mini-batch (summed over a data-parallel group).
    public var batchUsers = 64
    /// Peak AdamW learning rate.
    public var learningRate = 1e-3
    /// Decoupled weight decay.
    public var weightDecay = 0.01
    /// Fraction of all steps spent warming the learning rate up linearly, before the cosine decay.
    public var warmupFraction = 0.05
    /// Global gradient-norm clipping threshold (0 turns clipping off).
    public var clipNorm = 1.0
    /// Epochs without a better validation NDCG@10 before training stops.
    public var patience = 3
    /// Factor on the learning rate of the collaborative model's parameters in joint training (0 freezes them
    /// there, e.g. after a warm start).
    public var collaborativeRateScale = 1.0
    /// The collaborative model's warm start on its own loss before joint training (`train.cf_pretrain.*`).
    public var collaborativePretraining = CollaborativePretrainingConfig()
    /// Leave each position's earlier items out of its next-item softmax in training, as evaluation that excludes
    /// the input history leaves them out of the ranking; nil follows `eval.exclude_history`
    /// (``MixRecConfig/trainingExcludesHistory``).
    public var excludeHistory: Bool?
    /// Fractions of the run's optimizer steps (ascending, above 0 and below 1) after which the trainer also
    /// validates and reports a ``RungReport`` to a listener: a study's ASHA rungs with `pruner.fidelity: steps`.
    /// Empty: validation only after every epoch.
    public var rungs: [Double] = []
    /// Fixed chunks the global batch is computed in (`batch_chunks`), for results that do not depend on the size of
    /// the data-parallel group: each chunk runs forward and backward on its own, with dropout keyed by (seed, epoch,
    /// step, chunk) and every batch-level statistic taken per chunk, on whichever rank holds it (ranks hold whole
    /// chunks), and the chunks' gradients are summed exactly (``ChunkGradientSum``). 0: off, each rank's share of the
    /// batch is one unit and its gradients are summed in Float, so groups of different sizes round differently.
    public var batchChunks = 0

    public init() {}

    /// Reads `train.*`; absent keys keep their defaults.
    public init(from section: ConfigSection) throws {
        self.epochs = try section.int("epochs", default: self.epochs, min: 1, max: 10_000)
        self.batchUsers = try section.int("batch_users", default: self.batchUsers, min: 1, max: 1_000_000)
        self.learningRate = try section.double("lr", default: self.learningRate, min: 1e-8, max: 1)
        self.weightDecay = try section.double("weight_decay", default: self.weightDecay, min: 0, max: 1)
        self.warmupFraction = try section.double("warmup", default: self.warmupFraction, min: 0, max: 0.5)
        self.clipNorm = try section.double("clip_norm", default: self.clipNorm, min: 0)
        self.patience = try section.int("patience", default: self.patience, min: 1, max: 10_000)
        self.collaborativeRateScale = try section.double(
            "cf_lr_scale", default: self.collaborativeRateScale, min: 0, max: 10)
        self.collaborativePretraining = try CollaborativePretrainingConfig(from: section.section("cf_pretrain"))
        if section.contains("exclude_history") {
            self.excludeHistory = try section.bool("exclude_history", default: true)
        }
        self.rungs = try section.doubles("rungs", default: [], min: 0, max: 1)
        self.batchChunks = try section.int("batch_chunks", default: self.batchChunks, min: 0, max: 4096)
        let isAscending = zip(self.rungs, self.rungs.dropFirst()).allSatisfy { $0 < $1 }
        guard isAscending, self.rungs.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw ConfigError.invalidValue(
                key: "train.rungs", value: "\(self.rungs)", allowed: "ascending fractions above 0 and below 1")
        }
    }
}

/// Training the collaborative model alone, on its own next-item loss, before joint training
/// (`train.cf_pretrain.*`): an ID model needs far more steps than the LLM side can afford, and costs little per step.
public struct CollaborativePretrainingConfig: Sendable, Equatable {
    /// Maximum epochs (0 turns the warm start off).
    public var epochs = 0
    /// Users per step.
    public var batchUsers = 32
    /// Adam learning rate (constant).
    public var learningRate = 2e-3
    /// Epochs without a better validation NDCG@10 (of the collaborative model alone) before it stops.
    public var patience = 5
    /// Per-step decay of an exponential moving average of the parameters, which is what is evaluated and kept
    /// (0 turns averaging off).
    public var averageDecay = 0.0
    /// Whether a trainer may take the warm start's result from its workspace's cache (``WarmStartCache``) instead of
    /// running it, and stores what it computes there. The result is the same either way; a study turns it off with
    /// `study.share_warm_start: false`.
    public var reuse = true

    public init() {}

    /// Reads `train.cf_pretrain.*`; absent keys keep their defaults.
    public init(from section: ConfigSection) throws {
        self.epochs = try section.int("epochs", default: self.epochs, min: 0, max: 10_000)
        self.batchUsers = try section.int("batch_users", default: self.batchUsers, min: 1, max: 1_000_000)
        self.learningRate = try section.double("lr", default: self.learningRate, min: 1e-8, max: 1)
        self.patience = try section.int("patience", default: self.patience, min: 1, max: 10_000)
        self.averageDecay = try section.double("average", default: self.averageDecay, min: 0, max: 0.9999)
        self.reuse = try section.bool("reuse", default: self.reuse)
    }
}

/// The weights of the training losses (`losses.*`).
public struct LossWeights: Sendable, Equatable {
    /// Link next item: full softmax over all items at every `[SEQ]` position.
    public var link = 1.0
    /// Semantic alignment: the `[ALIGN]` state must score its own item highest.
    public var align = 0.2
    /// Distinguish hard samples: InfoNCE against text-near items that never co-occur (0 turns the task off).
    public var hard = 0.1
    /// Temperature of the hard-sample InfoNCE.
    public var hardTemperature = 0.1
    /// The collaborative model's own next-item loss.
    public var collaborative = 1.0
    /// The routers' load-balancing term.
    public var balance = 0.01

    public init() {}

    /// Reads `losses.*`; absent keys keep their defaults.
    public init(from section: ConfigSection) throws {
        self.link = try section.double("link", default: self.link, min: 0, max: 100)
        self.align = try section.double("align", default: self.align, min: 0, max: 100)
        self.hard = try section.double("hard", default: self.hard, min: 0, max: 100)
        self.hardTemperature = try section.double("hard_temperature", default: self.hardTemperature, min: 1e-3, max: 10)
        self.collaborative = try section.double("cf", default: self.collaborative, min: 0, max: 100)
        self.balance = try section.double("balance", default: self.balance, min: 0, max: 100)
    }
}

/// How models are evaluated (`eval.*`).
public struct EvaluationConfig: Sendable, Equatable {
    /// Exclude items already in the user's input history from the ranking (S3-Rec's protocol); false keeps
    /// them, as RecBole's sequential evaluation does.
    public var excludeHistory = true
    /// Users scored per batch. Larger batches were slower, not faster: with 256 users an ml-100k evaluation touched
    /// about 670 MB more fresh memory than with 128 and spent as long in page faults as in arithmetic.
    public var batchUsers = 128
    /// The fraction of items held out of training as cold items (`cold_items`; 0: none).
    public var coldItems = 0.0
    /// The fraction of items, the most popular in training, whose targets count as the head in per-popularity
    /// metrics (`head_items`).
    public var headItems = 0.2
    /// Fit ``ScoreCalibration``'s text terms on validation after training (`calibrate`).
    public var calibrate = false
    /// The fraction of the best calibration's warm-case validation NDCG@10 the fit may give up for cold cases
    /// (`unseen_warm_allowance`; 0: the best over all cases, no trade): ``ScoreCalibration/choose(_:warmAllowance:)``.
    public var unseenWarmAllowance = 0.0

    public init() {}

    /// Reads `eval.*`; absent keys keep their defaults.
    public init(from section: ConfigSection) throws {
        self.excludeHistory = try section.bool("exclude_history", default: self.excludeHistory)
        self.batchUsers = try section.int("batch_users", default: self.batchUsers, min: 1, max: 1_000_000)
        self.coldItems = try section.double("cold_items", default: self.coldItems, min: 0, max: 0.5)
        self.headItems = try section.double("head_items", default: self.headItems, min: 0.01, max: 0.99)
        self.calibrate = try section.bool("calibrate", default: self.calibrate)
        self.unseenWarmAllowance = try section.double(
            "unseen_warm_allowance", default: self.unseenWarmAllowance, min: 0, max: 0.5)
        if self.unseenWarmAllowance > 0 && !self.calibrate {
            throw ConfigError.invalidValue(
                key: section.keyPath("unseen_warm_allowance"), value: "\(self.unseenWarmAllowance)",
                allowed: "0 unless calibrate is true (it bounds what the calibration's fit may trade)")
        }
    }
}
