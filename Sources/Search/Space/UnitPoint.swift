/// A configuration in the optimizer's working coordinates: for every parameter of the space (in order) a unit
/// value in `[0, 1]` (numeric) or a choice index (categorical), plus whether it is active. Inactive parameters keep
/// a value so that a local move that activates them has something to start from.
struct UnitPoint: Hashable, Sendable {
    var units: [Double]
    var active: [Bool]
}

// MARK: - Conversions

extension SearchSpace {
    /// The working coordinates of a configuration that `validate` accepted.
    func unitPoint(of configuration: Configuration) -> UnitPoint {
        var units = [Double](repeating: 0.5, count: self.parameters.count)
        var active = [Bool](repeating: false, count: self.parameters.count)
        for (index, parameter) in self.parameters.enumerated() {
            guard let value = configuration[parameter.name], let unit = parameter.unitValue(of: value) else { continue }
            units[index] = unit
            active[index] = true
        }
        return UnitPoint(units: units, active: active)
    }

    /// The configuration of a point: active parameters only.
    func configuration(of point: UnitPoint) -> Configuration {
        var configuration = Configuration()
        for (index, parameter) in self.parameters.enumerated() where point.active[index] {
            configuration[parameter.name] = parameter.value(atUnit: point.units[index])
        }
        return configuration
    }

    /// Recomputes the active flags from the values, parents first.
    func refreshActivity(of point: inout UnitPoint) {
        for (index, parameter) in self.parameters.enumerated() {
            guard let condition = parameter.condition, let parentIndex = self.index(of: condition.parent),
                case .categorical(let choices) = self.parameters[parentIndex].domain
            else {
                point.active[index] = true
                continue
            }
            let choice = choices[min(max(Int(point.units[parentIndex]), 0), choices.count - 1)]
            point.active[index] = point.active[parentIndex] && condition.values.contains(choice)
        }
    }

    // MARK: - Sampling

    /// A uniformly random point (log parameters uniform in log space).
    func randomPoint(using generator: inout SplitMix64) -> UnitPoint {
        var units = [Double](repeating: 0, count: self.parameters.count)
        for (index, parameter) in self.parameters.enumerated() {
            if let count = parameter.choiceCount {
                units[index] = Double(generator.nextIndex(below: count))
            } else {
                units[index] = parameter.snappedUnit(generator.nextUnit())
            }
        }
        var point = UnitPoint(units: units, active: [Bool](repeating: true, count: units.count))
        self.refreshActivity(of: &point)
        return point
    }

    /// A Latin-hypercube design of `count` points: every numeric parameter has one point in each of `count`
    /// equal strata, and every categorical parameter takes its choices in turn, in a random order.
    func latinHypercube(count: Int, using generator: inout SplitMix64) -> [UnitPoint] {
        var columns: [[Double]] = []
        for parameter in self.parameters {
            var strata = Array(0..<count)
            strata.shuffle(using: &generator)
            if let choices = parameter.choiceCount {
                var order = Array(0..<choices)
                order.shuffle(using: &generator)
                columns.append(strata.map { Double(order[$0 % choices]) })
            } else {
                columns.append(
                    strata.map { parameter.snappedUnit((Double($0) + generator.nextUnit()) / Double(count)) })
            }
        }
        return (0..<count).map { row in
            var point = UnitPoint(
                units: columns.map { $0[row] }, active: [Bool](repeating: true, count: self.parameters.count))
            self.refreshActivity(of: &point)
            return point
        }
    }

    /// A random neighbour. Half the time every active float parameter moves together by a normal step of standard
    /// deviation `scale` in unit space (a move along any direction of the continuous subspace); otherwise one or
    /// two parameters (active ones preferred) change: numeric values by such a step (integers at least one grid
    /// step), categorical values to another choice.
    func neighbour(of point: UnitPoint, scale: Double, using generator: inout SplitMix64) -> UnitPoint {
        var result = point
        let activeIndices = point.active.indices.filter { point.active[$0] }
        let floats = activeIndices.filter {
            if case .float = self.parameters[$0].domain { return true }
            return false
        }
        if floats.count > 1 && generator.nextUnit() < 0.5 {
            for index in floats {
                result.units[index] = self.parameters[index].snappedUnit(
                    point.units[index] + scale * generator.nextNormal())
            }
            return result
        }
        let pool = activeIndices.isEmpty ? Array(point.units.indices) : activeIndices
        let changes = generator.nextUnit() < 0.3 && pool.count > 1 ? 2 : 1
        for _ in 0..<changes {
            let index = pool[generator.nextIndex(below: pool.count)]
            let parameter = self.parameters[index]
            if let count = parameter.choiceCount {
                guard count > 1 else { continue }
                let shift = 1 + generator.nextIndex(below: count - 1)
                result.units[index] = Double((Int(point.units[index]) + shift) % count)
            } else {
                let moved = parameter.snappedUnit(point.units[index] + scale * generator.nextNormal())
                result.units[index] =
                    moved == point.units[index] ? self.gridStep(parameter, from: moved, using: &generator) : moved
            }
        }
        self.refreshActivity(of: &result)
        return result
    }

    /// The next integer grid value up or down from `unit` (unchanged for floats or one-value ranges).
    private func gridStep(_ parameter: Parameter, from unit: Double, using generator: inout SplitMix64) -> Double {
        guard case .int(let low, let high, _) = parameter.domain, high > low,
            case .int(let current) = parameter.value(atUnit: unit)
        else { return unit }
        let up = current == low || (current < high && generator.nextUnit() < 0.5)
        return parameter.unitValue(of: .int(current + (up ? 1 : -1))) ?? unit
    }
}
