/// A collaborative warm start shared beyond one process (a cluster study's: computed once, shipped by the
/// coordinator), handed between a ``MixRecTrainer`` and its caller.
///
/// The trainer takes `received` when it was written for its run's ``WarmStartKey`` (checked in full: config inputs,
/// data, text features, BLAS) and otherwise computes its own (or takes its cache's), logging why; a warm start that
/// did not come from `received` goes to `onReady` as a file, for the caller to share. Either way the run is
/// bit-identical to a standalone one.
public struct WarmStartHandOver {
    /// A warm-start file from elsewhere (nil: none was sent).
    public var received: [UInt8]?
    /// Receives the file of the run's warm start when it did not come from `received`.
    public var onReady: (([UInt8]) -> Void)?

    public init(received: [UInt8]?, onReady: (([UInt8]) -> Void)?) {
        self.received = received
        self.onReady = onReady
    }
}
