import Foundation
import Testing

@testable import Search

@Suite struct EncodingTests {
    @Test func categoricalChoicesAreOneHotAndEquidistant() throws {
        let space = try SearchSpace(parameters: [
            Parameter(name: "x", domain: .float(low: 0, high: 10, log: false)),
            Parameter(name: "c", domain: .categorical(["a", "b", "c"])),
        ])
        let encoding = FeatureEncoding(space: space)
        #expect(encoding.width == 4)
        let rows = ["a", "b", "c"].map { choice in
            encoding.matrix([space.unitPoint(of: Configuration(["x": .double(2.5), "c": .string(choice)]))])
        }
        #expect(rows[0] == [0.25, 1, 0, 0])
        #expect(rows[1] == [0.25, 0, 1, 0])
        #expect(rows[2] == [0.25, 0, 0, 1])
        // Not ordered: "a" is as far from "c" as from "b".
        func distance(_ u: [Double], _ v: [Double]) -> Double { zip(u, v).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
        #expect(distance(rows[0], rows[1]) == distance(rows[0], rows[2]))
        #expect(encoding.oneHotColumns == [false, true, true, true])
    }

    @Test func logParametersMapLinearlyInLogSpaceAndIntegersSnap() throws {
        let rate = Parameter(name: "rate", domain: .float(low: 1e-4, high: 1, log: true))
        #expect(abs((rate.unitValue(of: .double(1e-2)) ?? -1) - 0.5) < 1e-12)
        #expect(rate.value(atUnit: 0.25).number.map { abs($0 - 1e-3) < 1e-15 } == true)
        let rank = Parameter(name: "rank", domain: .int(low: 2, high: 64, log: true))
        #expect(rank.unitValue(of: .int(8)).map { abs($0 - 0.4) < 1e-12 } == true)
        #expect(rank.value(atUnit: 0.41) == .int(8))
        #expect(rank.unitValue(of: .int(7)) != nil)
        #expect(rank.unitValue(of: .double(7.5)) == nil)
        #expect(rank.unitValue(of: .int(65)) == nil)
    }

    @Test func inactiveParametersAreImputedToFixedFeatures() throws {
        let space = try TestSupport.conditionalSpace()
        let encoding = FeatureEncoding(space: space)
        let none = Configuration(["kind": .string("none"), "lr": .double(1e-3)])
        let point = space.unitPoint(of: try space.validate(none))
        #expect(point.active == [true, false, false, true])
        let row = encoding.matrix([point])
        // kind one-hot (3), rank (imputed 0.5), width (imputed 0.5), lr.
        #expect(Array(row[0..<5]) == [1, 0, 0, 0.5, 0.5])
        #expect(abs(row[5] - 0.5) < 1e-12)
    }

    @Test func sampledPointsAlwaysSatisfyTheConditions() throws {
        let space = try SearchConfig(yaml: try TestSupport.config("mixrec-space.yaml")).space
        var generator = SplitMix64(seed: 11)
        var seenNone = false
        var seenLora = false
        for _ in 0..<300 {
            let configuration = space.configuration(of: space.randomPoint(using: &generator))
            #expect(try space.validate(configuration) == configuration)
            let neighbour = space.configuration(
                of: space.neighbour(of: space.unitPoint(of: configuration), scale: 0.2, using: &generator))
            #expect(try space.validate(neighbour) == neighbour)
            seenNone = seenNone || configuration["model.experts.groups.low.types"] == .string("none")
            seenLora = seenLora || configuration["model.experts.groups.low.rank"] != nil
        }
        #expect(seenNone && seenLora)
    }

    @Test func latinHypercubeCoversEveryStratumOnce() throws {
        let space = try SearchSpace(parameters: [
            Parameter(name: "a", domain: .float(low: 0, high: 1, log: false)),
            Parameter(name: "b", domain: .float(low: 0, high: 1, log: false)),
            Parameter(name: "c", domain: .categorical(["x", "y"])),
        ])
        var generator = SplitMix64(seed: 5)
        let design = space.latinHypercube(count: 8, using: &generator)
        for column in 0..<2 {
            let strata = Set(design.map { Int($0.units[column] * 8) })
            #expect(strata == Set(0..<8))
        }
        #expect(design.filter { $0.units[2] == 0 }.count == 4)
    }
}
