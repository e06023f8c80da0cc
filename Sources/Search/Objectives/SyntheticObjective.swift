import Foundation

/// Test functions with known minima, used by tests, `mixrec search` and the search benchmark. All are minimised;
/// `optimum` is the global minimum, so `value − optimum` is the simple regret.
public enum SyntheticObjective: String, CaseIterable, Sendable {
    /// Branin–Hoo on `x1 ∈ [−5, 10]`, `x2 ∈ [0, 15]`; three global minima of 0.397887.
    case branin
    /// Hartmann-6 on `[0, 1]⁶`; global minimum −3.32237.
    case hartmann6
    /// Ten parameters: four categorical, three integer (one on a log scale), three float (one on a log scale),
    /// with an interaction between a categorical and a float; global minimum 0.
    case mixedSynthetic = "mixed-synthetic"

    /// The global minimum.
    public var optimum: Double {
        switch self {
        case .branin: return 0.397_887_357_729_738
        case .hartmann6: return -3.322_368_011_391_339
        case .mixedSynthetic: return 0
        }
    }

    /// The function's search space (the same as `configs/search-<name>.yaml`).
    public var space: SearchSpace {
        let parameters: [Parameter]
        switch self {
        case .branin:
            parameters = [
                Parameter(name: "x1", domain: .float(low: -5, high: 10, log: false)),
                Parameter(name: "x2", domain: .float(low: 0, high: 15, log: false)),
            ]
        case .hartmann6:
            parameters = (1...6).map { Parameter(name: "x\($0)", domain: .float(low: 0, high: 1, log: false)) }
        case .mixedSynthetic:
            parameters = MixedSynthetic.parameters
        }
        // The parameter lists above are valid by construction (checked by the tests).
        guard let space = try? SearchSpace(parameters: parameters) else {
            preconditionFailure("invalid built-in space")
        }
        return space
    }

    /// The function value at `configuration` (which must fit `space`).
    /// - Throws: `SearchError.invalidConfiguration` naming a missing or mistyped parameter.
    public func evaluate(_ configuration: Configuration) throws(SearchError) -> Double {
        switch self {
        case .branin:
            return Self.branin(try Self.number("x1", configuration), try Self.number("x2", configuration))
        case .hartmann6:
            var x: [Double] = []
            for index in 1...6 { x.append(try Self.number("x\(index)", configuration)) }
            return Self.hartmann6(x)
        case .mixedSynthetic:
            return try MixedSynthetic.evaluate(configuration)
        }
    }

    // MARK: - Definitions

    static func branin(_ x1: Double, _ x2: Double) -> Double {
        let b = 5.1 / (4 * Double.pi * Double.pi)
        let c = 5 / Double.pi
        let t = 1 / (8 * Double.pi)
        let square = x2 - b * x1 * x1 + c * x1 - 6
        return square * square + 10 * (1 - t) * cos(x1) + 10
    }

    private static let hartmannAlpha = [1.0, 1.2, 3.0, 3.2]
    private static let hartmannA: [[Double]] = [
        [10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14],
    ]
    private static let hartmannP: [[Double]] = [
        [1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381],
    ]

    static func hartmann6(_ x: [Double]) -> Double {
        var total = 0.0
        for i in 0..<4 {
            var exponent = 0.0
            for j in 0..<6 {
                let delta = x[j] - 1e-4 * Self.hartmannP[i][j]
                exponent += Self.hartmannA[i][j] * delta * delta
            }
            total -= Self.hartmannAlpha[i] * exp(-exponent)
        }
        return total
    }

    static func number(_ name: String, _ configuration: Configuration) throws(SearchError) -> Double {
        guard let value = configuration[name]?.number else {
            throw .invalidConfiguration(parameter: name, reason: "is missing or not a number")
        }
        return value
    }
}

/// The 10-parameter mixed function. Each term is zero at its optimum and positive elsewhere:
/// categorical costs, squared distances of `log2(width)` to 4, `depth` to 13, `shift` to −3, `x` to a target that
/// depends on `family`, `log10(rate)` to −2.5 and `offset` to 0.5.
enum MixedSynthetic {
    static let families = ["a", "b", "c", "d"]
    static let familyCost = [1.0, 0.0, 0.6, 1.5]
    static let familyTarget = [0.2, 0.7, 0.4, 0.9]
    static let shapes = ["x", "y", "z"]
    static let shapeCost = [0.4, 0.8, 0.0]
    static let modes = ["p", "q", "r", "s", "t"]
    static let modeCost = [0.9, 0.5, 0.0, 0.7, 1.2]
    static let switches = ["on", "off"]
    static let switchCost = [0.0, 0.3]

    static let parameters: [Parameter] = [
        Parameter(name: "family", domain: .categorical(families)),
        Parameter(name: "shape", domain: .categorical(shapes)),
        Parameter(name: "mode", domain: .categorical(modes)),
        Parameter(name: "switch", domain: .categorical(switches)),
        Parameter(name: "width", domain: .int(low: 1, high: 64, log: true)),
        Parameter(name: "depth", domain: .int(low: 0, high: 20, log: false)),
        Parameter(name: "shift", domain: .int(low: -10, high: 10, log: false)),
        Parameter(name: "x", domain: .float(low: 0, high: 1, log: false)),
        Parameter(name: "rate", domain: .float(low: 1e-4, high: 1, log: true)),
        Parameter(name: "offset", domain: .float(low: -2, high: 2, log: false)),
    ]

    static func evaluate(_ configuration: Configuration) throws(SearchError) -> Double {
        let family = try self.choice("family", self.families, configuration)
        let shape = try self.choice("shape", self.shapes, configuration)
        let mode = try self.choice("mode", self.modes, configuration)
        let toggle = try self.choice("switch", self.switches, configuration)
        let width = try SyntheticObjective.number("width", configuration)
        let depth = try SyntheticObjective.number("depth", configuration)
        let shift = try SyntheticObjective.number("shift", configuration)
        let x = try SyntheticObjective.number("x", configuration)
        let rate = try SyntheticObjective.number("rate", configuration)
        let offset = try SyntheticObjective.number("offset", configuration)
        let categorical =
            self.familyCost[family] + self.shapeCost[shape] + self.modeCost[mode] + self.switchCost[toggle]
        let widthTerm = 2 * pow((log2(width) - 4) / 6, 2)
        let depthTerm = 2 * pow((depth - 13) / 20, 2)
        let shiftTerm = 2 * pow((shift + 3) / 20, 2)
        let xTerm = 3 * pow(x - self.familyTarget[family], 2)
        let rateTerm = 2 * pow((log10(rate) + 2.5) / 4, 2)
        let offsetTerm = 0.5 * pow(offset - 0.5, 2)
        return categorical + widthTerm + depthTerm + shiftTerm + xTerm + rateTerm + offsetTerm
    }

    private static func choice(_ name: String, _ choices: [String], _ configuration: Configuration)
        throws(SearchError) -> Int
    {
        guard let value = configuration[name]?.string, let index = choices.firstIndex(of: value) else {
            throw .invalidConfiguration(parameter: name, reason: "is missing or not one of \(choices)")
        }
        return index
    }
}
