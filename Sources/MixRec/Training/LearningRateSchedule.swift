import Foundation

/// Linear warm-up to the peak rate, then cosine decay to `floor · peak` at the last step.
public struct LearningRateSchedule: Sendable, Equatable {
    /// The peak learning rate.
    public let peak: Double
    /// Steps of linear warm-up.
    public let warmupSteps: Int
    /// All steps of the run.
    public let totalSteps: Int
    /// The final rate as a fraction of the peak.
    public let floor: Double

    /// A schedule over `totalSteps` steps whose first `warmupFraction` warm up.
    public init(peak: Double, totalSteps: Int, warmupFraction: Double, floor: Double = 0.05) {
        precondition(totalSteps >= 1 && peak > 0, "schedule: \(totalSteps) steps at peak \(peak)")
        self.peak = peak
        self.totalSteps = totalSteps
        self.warmupSteps = Int((Double(totalSteps) * warmupFraction).rounded())
        self.floor = floor
    }

    /// The rate for step `step` (0-based).
    public func rate(atStep step: Int) -> Double {
        if step < self.warmupSteps {
            return self.peak * Double(step + 1) / Double(self.warmupSteps)
        }
        let decaySteps = max(1, self.totalSteps - self.warmupSteps - 1)
        let progress = min(1, Double(step - self.warmupSteps) / Double(decaySteps))
        let cosine = 0.5 * (1 + cos(Double.pi * progress))
        return self.peak * (self.floor + (1 - self.floor) * cosine)
    }
}
