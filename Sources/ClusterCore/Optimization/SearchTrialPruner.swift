import Search

/// The scheduler's pruner backed by the Search module's rules (`PrunerSettings`: none, the median stopping rule or
/// ASHA, each with its warm-up), comparing the objective in the search's direction. Epochs are the rules' steps.
public struct SearchTrialPruner: TrialPruner, Sendable {
    public let settings: PrunerSettings
    public let direction: Direction

    public init(settings: PrunerSettings, direction: Direction) {
        self.settings = settings
        self.direction = direction
    }

    /// The pruner a search file configures.
    public init(search: SearchConfig) {
        self.init(settings: search.pruner, direction: search.direction)
    }

    public func decide(trial: TrialID, epoch: Int, progress: [TrialProgress]) -> PruneDecision {
        let id = Int(clamping: trial.rawValue)
        guard let own = progress.first(where: { $0.id == id }) else {
            return .keep(reason: "trial \(trial) has reported nothing")
        }
        return self.settings.decide(trial: own, step: epoch, others: progress, direction: self.direction)
    }
}
