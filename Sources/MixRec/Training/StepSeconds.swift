/// Where one training step's wall-clock time went, in seconds, on this process.
public struct StepSeconds: Sendable, Codable, Equatable {
    /// Building this process's share of the batch and its forward pass (every chunk's with `train.batch_chunks`).
    public var forward = 0.0
    /// The backward pass.
    public var backward = 0.0
    /// Summing the gradients over the data-parallel group: waiting for the slowest rank, then the all-reduce. 0 for
    /// a single process, except with `train.batch_chunks`, whose exact sum of the chunks is counted here.
    public var reduce = 0.0
    /// Gradient clipping and the optimiser update.
    public var update = 0.0

    public init() {}

    /// The whole step.
    public var total: Double { self.forward + self.backward + self.reduce + self.update }

    /// Each part's median over `steps` (nil when there are none); `total` of the result is the sum of the medians.
    public static func medians(of steps: [StepSeconds]) -> StepSeconds? {
        guard !steps.isEmpty else { return nil }
        func median(_ part: KeyPath<StepSeconds, Double>) -> Double {
            let sorted = steps.map { $0[keyPath: part] }.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        var result = StepSeconds()
        result.forward = median(\.forward)
        result.backward = median(\.backward)
        result.reduce = median(\.reduce)
        result.update = median(\.update)
        return result
    }

    /// "612 ms a step: forward 250, backward 340, all-reduce 14, update 8".
    public var summary: String {
        var parts = [("forward", self.forward), ("backward", self.backward)]
        if self.reduce > 0 { parts.append(("all-reduce", self.reduce)) }
        parts.append(("update", self.update))
        return "\(Self.milliseconds(self.total)) ms a step: "
            + parts.map { "\($0.0) \(Self.milliseconds($0.1))" }.joined(separator: ", ")
    }

    private static func milliseconds(_ seconds: Double) -> String {
        String(Int((seconds * 1000).rounded()))
    }
}

/// Times a step's phases one after the other.
struct PhaseClock {
    private var last = ContinuousClock.now

    /// Seconds since the previous lap (or since the clock was made); the next lap starts now.
    mutating func lap() -> Double {
        let now = ContinuousClock.now
        let elapsed = (now - self.last).components
        self.last = now
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }
}
