import Synchronization

/// A flag one thread raises to make a service loop on another thread finish its current step and return.
public final class StopSignal: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    /// Asks the loop to stop; safe from any thread (a signal handler's dispatch source, a test).
    public func stop() {
        self.raised.store(true, ordering: .releasing)
    }

    /// True once `stop()` was called.
    public var isStopped: Bool {
        self.raised.load(ordering: .acquiring)
    }
}
