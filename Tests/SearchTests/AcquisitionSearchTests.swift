import Foundation
import Testing

@testable import Search

@Suite struct AcquisitionSearchTests {
    /// A GP fitted to 12 Latin-hypercube points of a 2-D float, 1 categorical space.
    static func fittedSearch() throws -> (AcquisitionSearch, GaussianProcess, best: Double, space: SearchSpace) {
        let space = try SearchSpace(parameters: [
            Parameter(name: "x", domain: .float(low: 0, high: 1, log: false)),
            Parameter(name: "y", domain: .float(low: 0, high: 1, log: false)),
            Parameter(name: "c", domain: .categorical(["a", "b"])),
        ])
        var generator = SplitMix64(seed: 21)
        let points = space.latinHypercube(count: 12, using: &generator)
        let targets = points.map { sin(7 * $0.units[0]) + cos(5 * $0.units[1]) + 0.3 * $0.units[2] }
        let encoding = FeatureEncoding(space: space)
        let data = GPTrainingData(features: encoding.matrix(points), targets: targets, width: encoding.width)
        let hyperparameters = GPHyperparameters(
            logLengthScales: [log(0.3), log(0.4), log(1), log(1)], logSignalVariance: 0, logNoiseVariance: log(1e-6))
        let model = try #require(GaussianProcess(data: data, hyperparameters: hyperparameters))
        let search = AcquisitionSearch(space: space, encoding: encoding, settings: OptimizerSettings())
        return (search, model, targets.min() ?? 0, space)
    }

    @Test func polishingRaisesLogEIAndReportsTheTrueScore() throws {
        let (search, model, best, space) = try Self.fittedSearch()
        var generator = SplitMix64(seed: 4)
        var improved = 0
        for _ in 0..<8 {
            let point = space.randomPoint(using: &generator)
            let start = (point: point, score: search.score([point], model: model, best: best)[0])
            let polished = search.polish(start, model: model, best: best)
            #expect(polished.score >= start.score)
            // The reported score is log EI at the returned point; only float parameters moved.
            let rescored = search.score([polished.point], model: model, best: best)[0]
            #expect(abs(rescored - polished.score) < 1e-8 * max(1, abs(rescored)))
            #expect(polished.point.units[2] == point.units[2])
            if polished.score > start.score + 1e-6 { improved += 1 }
        }
        // Random points are almost never stationary points of log EI.
        #expect(improved >= 6)
    }

    @Test func polishedPointIsAStationaryPointOrOnTheBoundary() throws {
        let (search, model, best, space) = try Self.fittedSearch()
        var generator = SplitMix64(seed: 9)
        let point = space.randomPoint(using: &generator)
        let polished = search.polish(
            (point, search.score([point], model: model, best: best)[0]), model: model, best: best)
        // No small move of a float coordinate (inside the box) raises log EI noticeably.
        for index in 0..<2 {
            for delta in [-1e-3, 1e-3] {
                var moved = polished.point
                moved.units[index] = min(max(moved.units[index] + delta, 0), 1)
                #expect(search.score([moved], model: model, best: best)[0] <= polished.score + 1e-5)
            }
        }
    }
}
