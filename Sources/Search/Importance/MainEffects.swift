/// First-order functional ANOVA (fANOVA) of a function over a search space, by Monte Carlo.
///
/// The space's sampling measure (uniform in unit coordinates, log parameters uniform in log space, integers
/// snapped to their grid, categorical choices equally likely) makes `f(x)` a random variable with total variance
/// `V`. The main effect of parameter `j` is `m_j(v) = E[f(x) | x_j = v]`, the function averaged over every other
/// parameter, and its variance `V_j = Var_v(m_j(v))` is the part of `V` that `j` explains alone. Both are
/// estimated on one sample of `baseSamples` points: `V` is the sample variance of `f` there, and `m_j(v)` is the
/// mean of `f` over the same points with `x_j` set to `v` (common random numbers, so differences between values
/// of `v` carry little sampling noise). Values `v` are the midpoints of `gridPoints` equal strata of a numeric
/// parameter's unit interval, snapped to its grid (integers: repeated values are merged and weighted), or every
/// choice of a categorical one. Conditional parameters are handled by the space's activity rules: setting a
/// parent re-evaluates which children are active, and setting an inactive child changes nothing, so a child's
/// main effect is averaged over the region where it is inactive too.
struct MainEffects {
    let space: SearchSpace
    let baseSamples: Int
    let gridPoints: Int

    /// `V` and `V_j` for every parameter (in the space's order), for `f` evaluated on batches of points.
    func estimate(
        _ f: ([UnitPoint]) -> [Double], using generator: inout SplitMix64
    ) -> (total: Double, effects: [Double]) {
        let base = (0..<max(self.baseSamples, 2)).map { _ in self.space.randomPoint(using: &generator) }
        let total = Self.variance(f(base).map { ($0, 1.0) })
        let effects = self.space.parameters.indices.map { index in
            let marginal = self.grid(of: index).map { unit, weight in
                let values = f(base.map { self.setting(index, to: unit, in: $0) })
                return (values.reduce(0, +) / Double(values.count), weight)
            }
            return Self.variance(marginal)
        }
        return (total, effects)
    }

    /// The values of parameter `index` with their weights under the sampling measure.
    func grid(of index: Int) -> [(unit: Double, weight: Double)] {
        let parameter = self.space.parameters[index]
        if let count = parameter.choiceCount { return (0..<count).map { (Double($0), 1) } }
        let count = max(self.gridPoints, 1)
        var grid: [(unit: Double, weight: Double)] = []
        for stratum in 0..<count {
            let unit = parameter.snappedUnit((Double(stratum) + 0.5) / Double(count))
            if let last = grid.last, last.unit == unit {
                grid[grid.count - 1].weight += 1
            } else {
                grid.append((unit, 1))
            }
        }
        return grid
    }

    /// `point` with parameter `index` set to `unit` and the activity of conditional parameters recomputed.
    private func setting(_ index: Int, to unit: Double, in point: UnitPoint) -> UnitPoint {
        var result = point
        result.units[index] = unit
        self.space.refreshActivity(of: &result)
        return result
    }

    /// The weighted population variance of `values`; 0 when there is no weight.
    static func variance(_ values: [(value: Double, weight: Double)]) -> Double {
        let weight = values.reduce(0) { $0 + $1.weight }
        guard weight > 0 else { return 0 }
        let mean = values.reduce(0) { $0 + $1.value * $1.weight } / weight
        return values.reduce(0) { $0 + $1.weight * ($1.value - mean) * ($1.value - mean) } / weight
    }
}
