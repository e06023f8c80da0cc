/// Maps working points to the GP's input features: one column per numeric parameter (its unit value, or 0.5 when
/// inactive) and one-hot columns per categorical parameter (all zero when inactive), so that choices are
/// unordered and equidistant.
struct FeatureEncoding: Sendable {
    /// The feature column where each parameter starts.
    let offsets: [Int]
    /// The total number of feature columns.
    let width: Int
    private let choiceCounts: [Int?]

    init(space: SearchSpace) {
        var offsets: [Int] = []
        var width = 0
        for parameter in space.parameters {
            offsets.append(width)
            width += parameter.choiceCount ?? 1
        }
        self.offsets = offsets
        self.width = width
        self.choiceCounts = space.parameters.map(\.choiceCount)
    }

    /// Whether each feature column is a one-hot code of a categorical choice, `[width]`.
    var oneHotColumns: [Bool] {
        var columns = [Bool](repeating: false, count: self.width)
        for (index, count) in self.choiceCounts.enumerated() {
            guard let count else { continue }
            for choice in 0..<count { columns[self.offsets[index] + choice] = true }
        }
        return columns
    }

    /// Writes the features of `point` into `row` (length `width`).
    func encode(_ point: UnitPoint, into row: UnsafeMutableBufferPointer<Double>) {
        for index in point.units.indices {
            let offset = self.offsets[index]
            if let count = self.choiceCounts[index] {
                for choice in 0..<count { row[offset + choice] = 0 }
                if point.active[index] { row[offset + min(max(Int(point.units[index]), 0), count - 1)] = 1 }
            } else {
                row[offset] = point.active[index] ? point.units[index] : 0.5
            }
        }
    }

    /// The features of `points` as a row-major `[points.count, width]` matrix.
    func matrix(_ points: [UnitPoint]) -> [Double] {
        var matrix = [Double](repeating: 0, count: points.count * self.width)
        matrix.withUnsafeMutableBufferPointer { buffer in
            for (row, point) in points.enumerated() {
                self.encode(
                    point,
                    into: UnsafeMutableBufferPointer(rebasing: buffer[(row * self.width)..<((row + 1) * self.width)]))
            }
        }
        return matrix
    }
}
