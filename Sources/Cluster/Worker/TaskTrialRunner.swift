/// The worker process's runner: trains whatever task an assignment names, synthetic trials with `synthetic` and
/// MixRec trials with `mixrec` (which keeps its backbone and datasets across trials).
public struct TaskTrialRunner<Synthetic: TrialRunner>: TrialRunner {
    public var synthetic: Synthetic
    public var mixrec: MixRecTrialRunner

    public init(synthetic: Synthetic, mixrec: MixRecTrialRunner) {
        self.synthetic = synthetic
        self.mixrec = mixrec
    }

    public func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        switch job.task {
        case .synthetic: try self.synthetic.run(job, context: context)
        case .mixrec: try self.mixrec.run(job, context: context)
        }
    }
}
