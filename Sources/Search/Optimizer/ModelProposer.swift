import Foundation

/// The model-based part of a proposal: the fitted GP with pending and already-proposed points fantasised at their
/// posterior mean, and the acquisition search.
struct ModelProposer {
    private let space: SearchSpace
    private let encoding: FeatureEncoding
    private let search: AcquisitionSearch
    private var model: GaussianProcess
    private var anchors: [UnitPoint]

    /// Builds the model; `nil` (with a diagnostic) when there is no successful observation or the GP cannot be
    /// fitted.
    init?(
        optimizer: BayesianOptimizer, observed: [CanonicalObservation], pending: [Configuration],
        diagnostics: inout [Diagnostic], generator: inout SplitMix64
    ) {
        let successes = observed.compactMap(\.value)
        guard let worst = successes.max() else {
            diagnostics.append(Diagnostic(.randomFallback, "no successful observation yet"))
            return nil
        }
        let failures = observed.count - successes.count
        if failures > 0 {
            diagnostics.append(
                Diagnostic(.failedTrialsImputed, "\(failures) failed trials given the worst observed value"))
        }
        let raw = observed.map { $0.value ?? worst }
        let targets = StandardisedTargets(raw)
        if targets.isConstant {
            diagnostics.append(
                Diagnostic(.constantObservations, "all \(raw.count) values equal \(targets.mean); not scaled"))
        }
        self.space = optimizer.space
        self.encoding = FeatureEncoding(space: optimizer.space)
        self.search = AcquisitionSearch(space: optimizer.space, encoding: self.encoding, settings: optimizer.settings)
        let points = observed.map(\.point)
        let data = GPTrainingData(
            features: self.encoding.matrix(points), targets: targets.values, width: self.encoding.width)
        guard
            let model = GaussianProcess.fitted(
                to: data, oneHot: self.encoding.oneHotColumns, settings: optimizer.settings, generator: &generator,
                diagnostics: &diagnostics)
        else {
            diagnostics.append(Diagnostic(.randomFallback, "the GP could not be fitted to \(raw.count) points"))
            return nil
        }
        self.model = model
        let order = points.indices.sorted { (data.targets[$0], $0) < (data.targets[$1], $1) }
        self.anchors = order.prefix(5).map { points[$0] }
        for configuration in pending where !self.fantasise(self.space.unitPoint(of: configuration)) {
            diagnostics.append(Diagnostic(.fitDegraded, "could not fantasise pending \(configuration)"))
        }
    }

    /// The maximiser of log EI whose configuration is not in `known` (by canonical JSON), fantasised before
    /// returning, with the number of better candidates skipped as known; `nil` if every candidate is known.
    mutating func next(excluding known: Set<String>, generator: inout SplitMix64) -> (UnitPoint, skipped: Int)? {
        let best = self.model.data.targets.min() ?? 0
        let ranked = self.search.rankedCandidates(
            model: self.model, best: best, anchors: self.anchors, using: &generator)
        for (rank, candidate) in ranked.enumerated()
        where !known.contains(self.space.configuration(of: candidate.point).canonicalJSON) {
            _ = self.fantasise(candidate.point)
            return (candidate.point, rank)
        }
        return nil
    }

    /// Adds `point` to the model at its posterior mean (kriging believer); false if the kernel became singular.
    private mutating func fantasise(_ point: UnitPoint) -> Bool {
        let features = self.encoding.matrix([point])
        let mean = self.model.predict(features, count: 1).mean[0]
        guard let conditioned = self.model.conditioned(on: features, targets: [mean]) else { return false }
        self.model = conditioned
        return true
    }
}
