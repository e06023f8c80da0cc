/// Limited-memory BFGS minimisation inside a box: steps are projected onto the bounds, a backtracking (Armijo)
/// line search guards every step, and the memory is reset when the direction stops descending.
struct BoundedLBFGS {
    var lower: [Double]
    var upper: [Double]
    var maxIterations: Int
    var memory = 6
    var gradientTolerance = 1e-5

    /// Minimises `objective` from `start`; `objective` returns the value and gradient, or `nil` where it is
    /// undefined (treated as +∞ by the line search). Returns the best point seen and its value, or `nil` when
    /// `start` itself is undefined.
    func minimize(
        from start: [Double], objective: ([Double]) -> (value: Double, gradient: [Double])?
    ) -> (point: [Double], value: Double)? {
        var x = self.project(start)
        guard var current = objective(x), current.value.isFinite else { return nil }
        var steps: [[Double]] = []
        var changes: [[Double]] = []
        for iteration in 0..<self.maxIterations {
            if self.projectedGradientNorm(x, current.gradient) < self.gradientTolerance { break }
            var direction = self.direction(current.gradient, steps: steps, changes: changes)
            if dot(direction, current.gradient) >= 0 {
                steps.removeAll()
                changes.removeAll()
                direction = current.gradient.map { -$0 }
            }
            var stepLength = iteration == 0 && steps.isEmpty ? min(1, 1 / max(norm(current.gradient), 1e-12)) : 1
            var accepted: (point: [Double], value: Double, gradient: [Double])?
            for _ in 0..<30 {
                let candidate = self.project(zip(x, direction).map { $0 + stepLength * $1 })
                let move = zip(candidate, x).map { $0 - $1 }
                if let next = objective(candidate), next.value.isFinite,
                    next.value <= current.value + 1e-4 * dot(current.gradient, move)
                {
                    accepted = (candidate, next.value, next.gradient)
                    break
                }
                stepLength *= 0.5
            }
            guard let accepted else { break }
            let step = zip(accepted.point, x).map { $0 - $1 }
            let change = zip(accepted.gradient, current.gradient).map { $0 - $1 }
            let improvement = current.value - accepted.value
            x = accepted.point
            current = (accepted.value, accepted.gradient)
            if dot(step, change) > 1e-10 {
                steps.append(step)
                changes.append(change)
                if steps.count > self.memory {
                    steps.removeFirst()
                    changes.removeFirst()
                }
            }
            if improvement < 1e-10 * max(1, abs(current.value)) { break }
        }
        return (x, current.value)
    }

    // MARK: - Helpers

    private func project(_ point: [Double]) -> [Double] {
        point.indices.map { min(max(point[$0], self.lower[$0]), self.upper[$0]) }
    }

    private func projectedGradientNorm(_ x: [Double], _ gradient: [Double]) -> Double {
        var largest = 0.0
        for index in x.indices {
            let atLower = x[index] <= self.lower[index] && gradient[index] > 0
            let atUpper = x[index] >= self.upper[index] && gradient[index] < 0
            if !atLower && !atUpper { largest = max(largest, abs(gradient[index])) }
        }
        return largest
    }

    /// The two-loop recursion: `−H g` with the stored curvature pairs.
    private func direction(_ gradient: [Double], steps: [[Double]], changes: [[Double]]) -> [Double] {
        var q = gradient
        var alphas = [Double](repeating: 0, count: steps.count)
        for k in steps.indices.reversed() {
            let rho = 1 / dot(changes[k], steps[k])
            alphas[k] = rho * dot(steps[k], q)
            for i in q.indices { q[i] -= alphas[k] * changes[k][i] }
        }
        if let lastStep = steps.last, let lastChange = changes.last {
            let gamma = dot(lastStep, lastChange) / dot(lastChange, lastChange)
            for i in q.indices { q[i] *= gamma }
        }
        for k in steps.indices {
            let rho = 1 / dot(changes[k], steps[k])
            let beta = rho * dot(changes[k], q)
            for i in q.indices { q[i] += (alphas[k] - beta) * steps[k][i] }
        }
        return q.map { -$0 }
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in a.indices { sum += a[i] * b[i] }
    return sum
}

private func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
