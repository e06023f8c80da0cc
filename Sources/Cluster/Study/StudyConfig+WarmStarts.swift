import MixRec

extension StudyConfig {
    /// How the coordinator names a trial's shared collaborative warm start: ``WarmStartKey/studyName(of:)`` of the
    /// trial's training config, as its workers make it (the study's text and overrides, the trial's values, epochs
    /// and seed). Nil unless the study trains MixRec with `study.share_warm_start`: then nothing is shipped and
    /// every worker keeps its warm starts to itself.
    public var warmStartNaming: (@Sendable (Trial) -> String?)? {
        guard self.sharesWarmStart, case .mixrec(let baseConfig, let overrides) = self.task else { return nil }
        let epochs = self.epochs
        return { trial in
            let config = try? MixRecTrialConfig.make(
                baseConfig: baseConfig, overrides: overrides, configuration: trial.params, epochs: epochs,
                seed: trial.seed)
            return config.flatMap(WarmStartKey.studyName(of:))
        }
    }
}
