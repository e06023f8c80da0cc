import Cluster
import MixRecTrials

extension TrialKinds {
    /// The trial kinds `mixrec` runs (`objective.kind`): the built-in synthetic functions and MixRec. A new kind is
    /// added here, with its worker's runner in `WorkerCommand`.
    static let cli = TrialKinds.builtIn.adding(MixRecTrialKind())
}
