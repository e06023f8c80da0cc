/// The worker process's runner: trains each assignment with the runner registered for its task's kind
/// (`TrialTask.kind`, a ``TrialKind``'s name), such as the CLI's synthetic and MixRec runners.
public struct TaskTrialRunner: TrialRunner {
    /// The runners, by the kind of trial they train.
    public var runners: [String: any TrialRunner]

    public init(_ runners: [String: any TrialRunner]) {
        self.runners = runners
    }

    /// - Throws: `TrialRunError` (not retryable) naming the kind and the known kinds when none is registered for
    ///   the task's kind; else what the kind's runner throws.
    public func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        guard let runner = self.runners[job.task.kind] else {
            throw TrialRunError(
                "this worker cannot train \(job.task.kind) trials (it trains "
                    + "\(self.runners.keys.sorted().joined(separator: ", ")))",
                retryable: false)
        }
        return try runner.run(job, context: context)
    }
}
