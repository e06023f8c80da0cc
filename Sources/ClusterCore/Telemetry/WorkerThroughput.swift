/// The coordinator's view of every worker's throughput, from the running totals in its heartbeats: a pure state
/// machine with explicit time.
///
/// The step rate is the steps between two samples at least `window` apart divided by the time between them, so it
/// is steady although heartbeats arrive every half second. Totals that go down (a restarted worker process) start
/// the measurement again.
public struct WorkerThroughput: Sendable {
    /// One worker's totals as last reported, and its measured rate.
    public struct Sample: Equatable, Sendable {
        public var steps: UInt64
        public var allReduceBytes: UInt64
        public var allReduceSeconds: Double
        /// Steps per second over the last window; nil until a window has passed.
        public var stepRate: Double?
    }

    /// The shortest time between two samples a rate is computed from.
    public let window: Duration
    private var anchors: [WorkerID: (time: ClusterTime, steps: UInt64)] = [:]
    public private(set) var samples: [WorkerID: Sample] = [:]

    public init(window: Duration = .seconds(2)) {
        self.window = window
    }

    /// Records a heartbeat's totals.
    /// - Returns: the worker's sample when it should be stored (a new rate, or the first or a restarted sample);
    ///   nil while a window is still filling.
    public mutating func record(
        _ worker: WorkerID, steps: UInt64, allReduceBytes: UInt64, allReduceSeconds: Double, now: ClusterTime
    ) -> Sample? {
        var sample = Sample(
            steps: steps, allReduceBytes: allReduceBytes, allReduceSeconds: allReduceSeconds,
            stepRate: self.samples[worker]?.stepRate)
        guard let anchor = self.anchors[worker], let previous = self.samples[worker], steps >= previous.steps else {
            self.anchors[worker] = (now, steps)
            sample.stepRate = nil
            self.samples[worker] = sample
            return sample
        }
        self.samples[worker] = sample
        let elapsed = now - anchor.time
        guard elapsed >= self.window else { return nil }
        let seconds = Double(elapsed.wholeMilliseconds) / 1000
        sample.stepRate = Double(steps - anchor.steps) / seconds
        self.samples[worker] = sample
        self.anchors[worker] = (now, steps)
        return sample
    }

    /// Forgets a worker that left (its next heartbeat starts a new measurement).
    public mutating func forget(_ worker: WorkerID) {
        self.anchors[worker] = nil
        self.samples[worker] = nil
    }
}
