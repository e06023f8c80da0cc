import Synchronization

/// A worker process's running totals, sent in every heartbeat: optimizer steps (all runs) and all-reduce traffic.
/// Thread safe; training threads add, the I/O thread reads.
public final class WorkerCounters: Sendable {
    private let steps = Atomic<UInt64>(0)
    private let allReduceBytes = Atomic<UInt64>(0)
    private let allReduceNanoseconds = Atomic<UInt64>(0)

    public init() {}

    /// Counts one optimizer step.
    public func addStep() {
        self.steps.wrappingAdd(1, ordering: .relaxed)
    }

    /// Counts one all-reduce round of `bytes` payload bytes that took `seconds`.
    public func addAllReduce(bytes: Int, seconds: Double) {
        self.allReduceBytes.wrappingAdd(UInt64(max(0, bytes)), ordering: .relaxed)
        self.allReduceNanoseconds.wrappingAdd(UInt64(max(0, seconds) * 1e9), ordering: .relaxed)
    }

    /// The totals so far.
    public var snapshot: (steps: UInt64, allReduceBytes: UInt64, allReduceSeconds: Double) {
        (
            self.steps.load(ordering: .relaxed), self.allReduceBytes.load(ordering: .relaxed),
            Double(self.allReduceNanoseconds.load(ordering: .relaxed)) / 1e9
        )
    }
}
