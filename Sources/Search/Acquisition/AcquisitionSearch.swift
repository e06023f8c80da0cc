/// Maximises log expected improvement over a mixed, conditional space: random candidates plus perturbations of
/// the best observed points are scored, then the best few are refined by a stochastic local search whose moves
/// respect the categorical and conditional structure (see `SearchSpace.neighbour`) and finally polished by
/// gradient ascent over their active float parameters.
struct AcquisitionSearch {
    let space: SearchSpace
    let encoding: FeatureEncoding
    let settings: OptimizerSettings

    /// Scores points by log EI under `model` against the incumbent `best` (standardised, minimisation).
    func score(_ points: [UnitPoint], model: GaussianProcess, best: Double) -> [Double] {
        let (mean, variance) = model.predict(self.encoding.matrix(points), count: points.count)
        return points.indices.map {
            LogExpectedImprovement.value(mean: mean[$0], sd: variance[$0].squareRoot(), best: best)
        }
    }

    /// Candidate points ranked by log EI, best first, after local refinement.
    /// - Parameters:
    ///   - anchors: good known points (best first) whose neighbourhoods are also sampled.
    func rankedCandidates(
        model: GaussianProcess, best: Double, anchors: [UnitPoint], using generator: inout SplitMix64
    ) -> [(point: UnitPoint, score: Double)] {
        var points: [UnitPoint] = []
        let anchorCount = anchors.isEmpty ? 0 : self.settings.candidates / 4
        for index in 0..<anchorCount {
            let anchor = anchors[index % anchors.count]
            points.append(self.space.neighbour(of: anchor, scale: 0.1, using: &generator))
        }
        while points.count < self.settings.candidates { points.append(self.space.randomPoint(using: &generator)) }
        var ranked = zip(points, self.score(points, model: model, best: best)).map { (point: $0, score: $1) }
        ranked.sort { $0.score > $1.score }

        var refined: [(point: UnitPoint, score: Double)] = []
        var started = Set<UnitPoint>()
        for start in ranked where started.count < self.settings.localStarts && !started.contains(start.point) {
            started.insert(start.point)
            let climbed = self.refine(start, model: model, best: best, using: &generator)
            refined.append(self.polish(climbed, model: model, best: best))
        }
        return (refined + ranked).sorted { $0.score > $1.score }
    }

    /// Stochastic hill climbing: each round scores a few neighbours and moves to the best if it improves; the
    /// step shrinks after a round without improvement.
    private func refine(
        _ start: (point: UnitPoint, score: Double), model: GaussianProcess, best: Double,
        using generator: inout SplitMix64
    ) -> (point: UnitPoint, score: Double) {
        var current = start
        var scale = 0.1
        for _ in 0..<self.settings.localSteps {
            let neighbours = (0..<8).map { _ in self.space.neighbour(of: current.point, scale: scale, using: &generator)
            }
            let scores = self.score(neighbours, model: model, best: best)
            guard let top = scores.indices.max(by: { scores[$0] < scores[$1] }) else { break }
            if scores[top] > current.score {
                current = (neighbours[top], scores[top])
            } else {
                scale = max(scale * 0.6, 0.002)
            }
        }
        return current
    }

    /// Maximises log EI over the active float parameters of `start` (the others fixed) by bounded L-BFGS with the
    /// analytic gradient; returns `start` unless that improves it.
    func polish(
        _ start: (point: UnitPoint, score: Double), model: GaussianProcess, best: Double
    ) -> (point: UnitPoint, score: Double) {
        let floats = start.point.units.indices.filter { index in
            guard start.point.active[index], case .float = self.space.parameters[index].domain else { return false }
            return true
        }
        guard !floats.isEmpty else { return start }
        let columns = floats.map { self.encoding.offsets[$0] }
        var features = self.encoding.matrix([start.point])
        let bounds = [Double](repeating: 0, count: floats.count)
        let optimizer = BoundedLBFGS(
            lower: bounds, upper: bounds.map { _ in 1 }, maxIterations: self.settings.localSteps)
        let result = optimizer.minimize(from: columns.map { features[$0] }) { values in
            for (position, column) in columns.enumerated() { features[column] = values[position] }
            let posterior = model.predictWithGradient(features)
            let acquisition = LogExpectedImprovement.valueAndGradient(
                mean: posterior.mean, variance: posterior.variance, best: best)
            guard acquisition.value.isFinite else { return nil }
            let gradient = columns.map { column in
                -(acquisition.dMean * posterior.dMean[column] + acquisition.dVariance * posterior.dVariance[column])
            }
            return (-acquisition.value, gradient)
        }
        guard let result, -result.value > start.score else { return start }
        var point = start.point
        for (position, index) in floats.enumerated() { point.units[index] = result.point[position] }
        return (point, -result.value)
    }
}
