import Foundation
import Testing

@testable import Search

@Suite struct GaussianProcessTests {
    /// Matérn-5/2 written out independently of the library.
    static func matern(_ r: Double) -> Double {
        (1 + 5.0.squareRoot() * r + 5 * r * r / 3) * exp(-5.0.squareRoot() * r)
    }

    static func hyperparameters(lengthScales: [Double], signal: Double, noise: Double) -> GPHyperparameters {
        GPHyperparameters(
            logLengthScales: lengthScales.map { log($0) }, logSignalVariance: log(signal), logNoiseVariance: log(noise))
    }

    @Test func posteriorWithOnePointMatchesTheClosedForm() throws {
        let data = GPTrainingData(features: [0.2], targets: [1.5], width: 1)
        let gp = try #require(
            GaussianProcess(
                data: data, hyperparameters: Self.hyperparameters(lengthScales: [0.5], signal: 2, noise: 0.1)))
        let (mean, variance) = gp.predict([0.2, 0.7], count: 2)
        // k(x*, x) = s² m(|Δ|/ℓ); mean = k y / (s² + σ²); var = s² − k² / (s² + σ²).
        for (index, query) in [0.2, 0.7].enumerated() {
            let k = 2 * Self.matern(abs(query - 0.2) / 0.5)
            #expect(abs(mean[index] - k * 1.5 / 2.1) < 1e-9)
            #expect(abs(variance[index] - (2 - k * k / 2.1)) < 1e-9)
        }
    }

    @Test func posteriorWithTwoPointsMatchesAHandInvertedKernel() throws {
        // Two 2-D points; K is 2 × 2 and inverted by hand.
        let x: [[Double]] = [[0.1, 0.9], [0.6, 0.4]]
        let y = [-1.0, 2.0]
        let scales = [0.3, 0.8]
        let noise = 0.05
        func k(_ a: [Double], _ b: [Double]) -> Double {
            Self.matern(((a[0] - b[0]) * (a[0] - b[0]) / 0.09 + (a[1] - b[1]) * (a[1] - b[1]) / 0.64).squareRoot())
        }
        let a = 1 + noise
        let b = k(x[0], x[1])
        let determinant = a * a - b * b
        let inverse = [[a / determinant, -b / determinant], [-b / determinant, a / determinant]]
        let query = [0.3, 0.5]
        let kStar = [k(query, x[0]), k(query, x[1])]
        let expectedMean = (0..<2).map { i in (0..<2).map { j in kStar[i] * inverse[i][j] * y[j] }.reduce(0, +) }
            .reduce(0, +)
        let expectedVariance =
            1 - (0..<2).map { i in (0..<2).map { j in kStar[i] * inverse[i][j] * kStar[j] }.reduce(0, +) }.reduce(0, +)
        let gp = try #require(
            GaussianProcess(
                data: GPTrainingData(features: x.flatMap { $0 }, targets: y, width: 2),
                hyperparameters: Self.hyperparameters(lengthScales: scales, signal: 1, noise: noise)))
        let (mean, variance) = gp.predict(query, count: 1)
        #expect(abs(mean[0] - expectedMean) < 1e-9)
        #expect(abs(variance[0] - expectedVariance) < 1e-9)
    }

    /// The analytic gradient of the log marginal likelihood against central differences, for every
    /// hyperparameter, at a generic point with distinct length scales.
    @Test func marginalLikelihoodGradientMatchesFiniteDifferences() throws {
        var generator = SplitMix64(seed: 7)
        let n = 9
        let width = 3
        let features = (0..<(n * width)).map { _ in generator.nextUnit() }
        let targets = (0..<n).map { _ in generator.nextNormal() }
        let likelihood = MarginalLikelihood(data: GPTrainingData(features: features, targets: targets, width: width))
        let theta = [log(0.4), log(0.9), log(0.25), log(1.3), log(0.02)]
        let (_, gradient) = try #require(likelihood.evaluate(GPHyperparameters(flattened: theta)))
        let step = 1e-5
        for index in theta.indices {
            var plus = theta
            var minus = theta
            plus[index] += step
            minus[index] -= step
            let up = try #require(likelihood.evaluate(GPHyperparameters(flattened: plus))).value
            let down = try #require(likelihood.evaluate(GPHyperparameters(flattened: minus))).value
            let numeric = (up - down) / (2 * step)
            // Central differences have O(step²) truncation error and ~1e-11 rounding error here.
            #expect(abs(numeric - gradient[index]) < 1e-6 * max(1, abs(numeric)), "θ[\(index)]")
        }
    }

    @Test func kernelLengthScaleDerivativeMatchesFiniteDifferences() {
        for r in [0.0, 0.05, 0.7, 2.5] {
            // ∂k/∂log ℓ for a 1-D pair at distance Δ = r ℓ: factor(r) · r².
            let analytic = Matern52.lengthScaleFactor(r: r) * r * r
            let step = 1e-6
            // k depends on log ℓ through r = Δ / ℓ = r · exp(−δ).
            let numeric =
                (Matern52.correlation(r: r * exp(-step)) - Matern52.correlation(r: r * exp(step))) / (2 * step)
            #expect(abs(analytic - numeric) < 1e-8)
        }
    }

    @Test func priorGradientMatchesFiniteDifferences() {
        let priors = HyperparameterPriors(featureCount: 2)
        let theta = [0.3, -1.2, 0.5, -4.0]
        var value = 0.0
        var gradient = [Double](repeating: 0, count: 4)
        priors.accumulate(theta, value: &value, gradient: &gradient)
        for index in theta.indices {
            var plus = theta
            plus[index] += 1e-6
            var up = 0.0
            var ignored = [Double](repeating: 0, count: 4)
            priors.accumulate(plus, value: &up, gradient: &ignored)
            #expect(abs((up - value) / 1e-6 - gradient[index]) < 1e-4)
        }
    }

    @Test func duplicatePointsWithoutNoiseNeedJitterAndStillPredict() throws {
        // Identical inputs with a noise floor far below double precision make K singular.
        let data = GPTrainingData(features: [0.5, 0.5, 0.5, 0.2], targets: [1, 1, 1, -1], width: 1)
        let hyperparameters = Self.hyperparameters(lengthScales: [0.3], signal: 1, noise: 1e-300)
        let gp = try #require(GaussianProcess(data: data, hyperparameters: hyperparameters))
        #expect(gp.jitter > 0)
        let (mean, variance) = gp.predict([0.5], count: 1)
        #expect(abs(mean[0] - 1) < 1e-3)
        #expect(variance[0] < 1e-3)
    }

    @Test func fittingRecoversAShortLengthScaleForAWigglyFunction() throws {
        let xs = (0..<20).map { Double($0) / 19 }
        let wiggly = GPTrainingData(features: xs, targets: xs.map { sin(12 * $0) }, width: 1)
        let smooth = GPTrainingData(features: xs, targets: xs.map { $0 - 0.5 }, width: 1)
        var generator = SplitMix64(seed: 3)
        let fit = HyperparameterFit(restarts: 2, iterations: 60)
        let wigglyFit = try #require(fit.fit(wiggly, using: &generator).0)
        let smoothFit = try #require(fit.fit(smooth, using: &generator).0)
        #expect(exp(wigglyFit.logLengthScales[0]) < 0.5)
        #expect(wigglyFit.logLengthScales[0] < smoothFit.logLengthScales[0])
        // The fitted model interpolates the deterministic function closely.
        let gp = try #require(GaussianProcess(data: wiggly, hyperparameters: wigglyFit))
        let (mean, _) = gp.predict([0.5 / 19 + 0.1], count: 1)
        #expect(abs(mean[0] - sin(12 * (0.5 / 19 + 0.1))) < 0.1)
    }

    /// A GP on random 3-D data with distinct length scales, for the input-gradient and kernel-block tests.
    static func randomModel(seed: UInt64) throws -> GaussianProcess {
        var generator = SplitMix64(seed: seed)
        let n = 8
        let features = (0..<(n * 3)).map { _ in generator.nextUnit() }
        let targets = (0..<n).map { _ in generator.nextNormal() }
        return try #require(
            GaussianProcess(
                data: GPTrainingData(features: features, targets: targets, width: 3),
                hyperparameters: Self.hyperparameters(lengthScales: [0.3, 0.7, 0.45], signal: 1.4, noise: 1e-4)))
    }

    @Test func posteriorInputGradientMatchesFiniteDifferences() throws {
        let gp = try Self.randomModel(seed: 11)
        let x = [0.31, 0.62, 0.47]
        let result = gp.predictWithGradient(x)
        let (mean, variance) = gp.predict(x, count: 1)
        #expect(abs(result.mean - mean[0]) < 1e-10 && abs(result.variance - variance[0]) < 1e-10)
        let step = 1e-6
        for d in 0..<3 {
            var plus = x
            var minus = x
            plus[d] += step
            minus[d] -= step
            let up = gp.predict(plus, count: 1)
            let down = gp.predict(minus, count: 1)
            let dMean = (up.mean[0] - down.mean[0]) / (2 * step)
            let dVariance = (up.variance[0] - down.variance[0]) / (2 * step)
            // Rounding of the O(1) posterior terms over 2·step bounds the error near 1e-9.
            #expect(abs(result.dMean[d] - dMean) < 1e-6 * max(1, abs(dMean)), "∂μ/∂x\(d)")
            #expect(abs(result.dVariance[d] - dVariance) < 1e-6 * max(1, abs(dVariance)), "∂σ²/∂x\(d)")
        }
    }

    @Test func kernelBlockFromNormsMatchesDirectDistances() {
        var generator = SplitMix64(seed: 5)
        let scales = [2.0, 0.5, 7.0]
        let train = (0..<12).map { _ in generator.nextUnit() }
        let query = (0..<6).map { _ in generator.nextUnit() }
        let scaledTrain = ScaledFeatures(features: train, count: 4, inverseLengthScales: scales)
        let scaledQuery = ScaledFeatures(features: query, count: 2, inverseLengthScales: scales)
        var block = [Double](repeating: 0, count: 8)
        block.withUnsafeMutableBufferPointer { scaledTrain.kernel(against: scaledQuery, signal: 1.5, into: $0) }
        for c in 0..<2 {
            for i in 0..<4 {
                let r = (0..<3).map { pow((train[i * 3 + $0] - query[c * 3 + $0]) * scales[$0], 2) }.reduce(0, +)
                    .squareRoot()
                #expect(abs(block[c * 4 + i] - 1.5 * Self.matern(r)) < 1e-12)
            }
        }
    }

    @Test func oneHotColumnsGetTheirOwnLengthScalePrior() {
        let priors = HyperparameterPriors(featureCount: 4, oneHot: [false, true, true, false])
        #expect(priors.lengthScaleMeans[0] == priors.lengthScaleMeans[3])
        #expect(priors.lengthScaleMeans[1] == priors.lengthScaleMeans[2])
        // Choices of one parameter are expected to be more alike than nearby values of a number are different.
        #expect(priors.lengthScaleMeans[1] > priors.lengthScaleMeans[0])
        #expect(
            HyperparameterPriors(featureCount: 4).lengthScaleMeans
                == [Double](repeating: priors.lengthScaleMeans[0], count: 4))
    }
}
