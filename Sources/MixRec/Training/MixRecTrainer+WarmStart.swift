import RecData

/// The collaborative warm start of a fresh run: computed, or taken from the trainer's ``WarmStartCache``.
extension MixRecTrainer {
    /// Puts the warm-started parameters into `collaborative` and returns its reports right after the warm start.
    ///
    /// With `train.cf_pretrain.reuse` and a cache that holds the warm start of this run's ``WarmStartKey``, the
    /// cached parameters and reports are taken (no epoch is reported); otherwise the warm start runs, reporting
    /// each epoch to `onEpoch`, and its result is stored in the cache. Both give bit-identical parameters. With a
    /// ``warmStartHandOver`` (and `reuse`), its received file is tried first, and a warm start that did not come from
    /// it is handed to its `onReady`.
    /// - Throws: ``TrainingError`` from the warm start (cancelled, diverged).
    func warmStart(
        _ collaborative: CollaborativeModel, isCancelled: () -> Bool,
        onEpoch: (CollaborativePretrainingEpoch) -> Void
    ) throws -> StageReports {
        let config = self.model.config
        collaborative.clearIdentities(of: self.data.split.unavailableItems)
        let cache = config.training.collaborativePretraining.reuse ? self.warmStarts : nil
        let key = cache.map { _ in WarmStartKey(model: self.model, data: self.data) }
        let excludeHistory = config.evaluation.excludeHistory
        if let cache, let key, let received = self.warmStartHandOver?.received,
            let reports = cache.restore(received: received, key, into: collaborative, excludeHistory: excludeHistory)
        {
            return reports
        }
        if let cache, let key, let reports = cache.restore(key, into: collaborative, excludeHistory: excludeHistory) {
            self.handOver(key, from: cache)
            return reports
        }
        let pretraining = CollaborativePretraining(
            model: collaborative, split: self.data.split, settings: config.training.collaborativePretraining,
            history: config.collaborativeHistory, seed: config.seed,
            trainingExcludesHistory: config.trainingExcludesHistory,
            evaluationExcludesHistory: config.evaluation.excludeHistory,
            evaluationBatch: config.evaluation.batchUsers, groups: self.groups)
        try pretraining.run(isCancelled: isCancelled, onEpoch: onEpoch)
        let reports = StageReports(validation: pretraining.evaluate(.validation), test: pretraining.evaluate(.test))
        if let cache, let key {
            cache.store(WarmStart(model: collaborative, reports: reports), for: key)
            self.handOver(key, from: cache)
        }
        return reports
    }

    /// Gives the file of `key`'s warm start in `cache` to the hand-over's `onReady`, if there are both; the file is
    /// encoded only then (a run without a hand-over, or one that received its warm start, encodes nothing).
    private func handOver(_ key: WarmStartKey, from cache: WarmStartCache) {
        guard let onReady = self.warmStartHandOver?.onReady, let file = cache.file(of: key) else { return }
        onReady(file)
    }
}
