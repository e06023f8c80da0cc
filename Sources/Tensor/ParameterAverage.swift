/// An exponential moving average of parameters (Polyak averaging), updated after every optimiser step:
/// `a ← d·a + (1 − d)·p` with `d = min(decay, (1 + t) / (10 + t))` at update `t`, so the first steps are not
/// dominated by the initial values. Evaluating the average instead of the last step's values smooths out the
/// optimiser's noise.
public final class ParameterAverage {
    /// The largest per-update decay `d`.
    public let decay: Float
    /// The averages, one per parameter.
    public let averages: [Tensor]
    /// Updates so far.
    public private(set) var updates = 0

    /// An average of `parameters` that starts at their current values.
    public init(_ parameters: [Tensor], decay: Float) {
        precondition(decay >= 0 && decay < 1, "decay \(decay) must be in [0, 1)")
        self.decay = decay
        self.averages = parameters.map { $0.detached() }
    }

    /// Moves the averages towards `parameters`' current values.
    public func update(from parameters: [Tensor]) {
        precondition(parameters.count == self.averages.count, "one parameter per average")
        let step = Float(self.updates)
        let d = min(self.decay, (1 + step) / (10 + step))
        for (average, parameter) in zip(self.averages, parameters) {
            let (a, p) = (average.pointer, UnsafePointer(parameter.pointer))
            for element in 0..<average.count {
                a[element] = d * a[element] + (1 - d) * p[element]
            }
        }
        self.updates += 1
    }

    /// Runs `body` with the averages in place of `parameters`' values, then puts their own values back.
    public func withAveragedValues<Result>(in parameters: [Tensor], _ body: () throws -> Result) rethrows -> Result {
        let own = parameters.map { $0.detached() }
        for (parameter, average) in zip(parameters, self.averages) { parameter.copyValues(from: average) }
        defer { for (parameter, saved) in zip(parameters, own) { parameter.copyValues(from: saved) } }
        return try body()
    }
}
