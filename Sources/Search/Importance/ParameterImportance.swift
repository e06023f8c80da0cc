import Foundation

/// How much each parameter of a search space matters to the objective, learnt from a study's observations.
///
/// The method is a functional ANOVA (fANOVA, Hutter et al., 2014) of the fitted surrogate, the approach behind
/// Optuna's importance view (which fits a random forest where this fits the optimizer's GP):
/// 1. the same GP as the optimizer's (Matérn-5/2 ARD on one-hot/unit-cube features, standardised objective
///    values, hyperparameters by maximum a posteriori) is fitted to the observations with a value;
/// 2. its posterior mean, a smooth denoised version of the objective, is decomposed over the whole space: each
///    parameter's main-effect variance (how much the mean moves when only that parameter changes, averaged over
///    all the others; see `MainEffects`) is divided by the sum over parameters, so importances sum to 1. The
///    fraction of the total variance no single parameter explains is reported as the interaction share.
///
/// Fitted ARD length scales are reported beside, but they are a weaker signal: a short length scale says the model
/// wiggles along a parameter, not that the wiggles are large, and length scales of one-hot and numeric columns
/// are not on one scale.
///
/// The analysis is a pure function of the space, the settings, the seed and the set of observations (their order
/// does not matter). It never fails: with too few observations (below `parameters + 2` by default), a
/// constant objective or no usable model it returns the reason instead of numbers. Below `2 × parameters + 1`
/// observations the estimates are rough (``ImportanceAnalysis/isRough``), and the report says so.
public struct ParameterImportance: Sendable {
    /// Sampling and fitting settings, each with a default that suits spaces of up to tens of parameters.
    public struct Settings: Hashable, Sendable {
        /// Points of the space over which every main effect is averaged.
        public var baseSamples = 256
        /// Strata of a numeric parameter's unit interval at which its main effect is evaluated.
        public var gridPoints = 16
        /// The fewest observations worth analysing; `nil` means `parameters + 2` (a 16-trial study of 9 parameters
        /// gets importances, rough ones).
        public var minimumObservations: Int?
        /// The GP fit's restarts and iterations (the search's own optimizer settings are a good choice).
        public var fit = OptimizerSettings()

        public init() {}
    }

    public let space: SearchSpace
    public let settings: Settings

    /// An analysis of `space` with `settings`.
    public init(space: SearchSpace, settings: Settings = Settings()) {
        self.space = space
        self.settings = settings
    }

    /// The fewest observations with a value that the analysis needs.
    public var minimumObservations: Int {
        self.settings.minimumObservations ?? self.space.parameters.count + 2
    }

    /// Estimates every parameter's importance from `observations` (failed ones and configurations that do not fit
    /// the space are skipped and counted).
    /// - Parameter seed: seeds the hyperparameter restarts and the Monte-Carlo sample.
    public func analyse(_ observations: [Observation], seed: UInt64) -> ImportanceAnalysis {
        var usable: [(key: String, point: UnitPoint, value: Double)] = []
        for observation in observations {
            guard let value = observation.value, let configuration = try? self.space.validate(observation.configuration)
            else { continue }
            usable.append((configuration.canonicalJSON, self.space.unitPoint(of: configuration), value))
        }
        usable.sort { ($0.key, $0.value) < ($1.key, $1.value) }
        var diagnostics: [Diagnostic] = []
        let outcome = self.outcome(of: usable.map { ($0.point, $0.value) }, seed: seed, &diagnostics)
        return ImportanceAnalysis(
            observationsUsed: usable.count, observationsSkipped: observations.count - usable.count, outcome: outcome,
            diagnostics: diagnostics)
    }

    private func outcome(
        of observed: [(point: UnitPoint, value: Double)], seed: UInt64, _ diagnostics: inout [Diagnostic]
    ) -> ImportanceAnalysis.Outcome {
        let parameters = self.space.parameters.count
        guard observed.count >= self.minimumObservations else {
            return .unavailable(
                "\(observed.count) trials with a value; importances need at least \(self.minimumObservations) "
                    + "for \(parameters) parameters")
        }
        let targets = StandardisedTargets(observed.map(\.value))
        guard !targets.isConstant else {
            return .unavailable("all \(observed.count) objective values are equal: no parameter changes it")
        }
        let encoding = FeatureEncoding(space: self.space)
        let data = GPTrainingData(
            features: encoding.matrix(observed.map(\.point)), targets: targets.values, width: encoding.width)
        var generator = SplitMix64(seed: seed, stream: [0x1A90_0000, UInt64(observed.count)])
        guard
            let model = GaussianProcess.fitted(
                to: data, oneHot: encoding.oneHotColumns, settings: self.settings.fit, generator: &generator,
                diagnostics: &diagnostics)
        else { return .unavailable("the GP could not be fitted to \(observed.count) trials") }
        let sampler = MainEffects(
            space: self.space, baseSamples: self.settings.baseSamples, gridPoints: self.settings.gridPoints)
        let (total, variances) = sampler.estimate(
            { points in model.predict(encoding.matrix(points), count: points.count).mean }, using: &generator)
        guard total > 1e-12 else {
            return .unavailable("the fitted model is flat over the space: it attributes the variation to noise")
        }
        let explained = variances.reduce(0, +)
        guard explained > 1e-9 * total else {
            return .unavailable("no parameter has a main effect: the model's variation is all interaction")
        }
        // Sampling noise can put the estimated total a little below the summed main effects (an additive
        // function has them equal): the larger of the two is the whole.
        let whole = max(total, explained)
        let effects = self.space.parameters.enumerated().map { index, parameter in
            ParameterEffect(
                name: parameter.name, importance: variances[index] / explained,
                mainEffectShare: variances[index] / whole,
                lengthScale: self.lengthScale(of: index, model: model, encoding: encoding))
        }
        let order = effects.indices.sorted { (-effects[$0].importance, $0) < (-effects[$1].importance, $1) }
        return .estimated(order.map { effects[$0] }, interactionShare: 1 - explained / whole)
    }

    /// The shortest fitted length scale among the feature columns of parameter `index`.
    private func lengthScale(of index: Int, model: GaussianProcess, encoding: FeatureEncoding) -> Double {
        let start = encoding.offsets[index]
        let end = index + 1 < encoding.offsets.count ? encoding.offsets[index + 1] : encoding.width
        return model.hyperparameters.logLengthScales[start..<end].map { exp($0) }.min() ?? .infinity
    }
}
