import Tensor

extension Tensor {
    /// `[n, D]` rows less their mean row, each scaled to unit length (a zero row stays zero): vectors compared by
    /// cosine with the part every row shares removed. No gradients.
    public func centredUnitRows() -> Tensor {
        precondition(self.rank == 2, "centredUnitRows: [n, D], got \(self.shape)")
        let (rows, width) = (self.shape[0], self.shape[1])
        var values = self.scalars
        var centre = [Double](repeating: 0, count: width)
        for row in 0..<rows {
            for column in 0..<width { centre[column] += Double(values[row * width + column]) }
        }
        let mean = centre.map { Float($0 / Double(max(rows, 1))) }
        for row in 0..<rows {
            var norm: Float = 0
            for column in 0..<width {
                values[row * width + column] -= mean[column]
                norm += values[row * width + column] * values[row * width + column]
            }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            for column in 0..<width { values[row * width + column] *= scale }
        }
        return Tensor(values, shape: [rows, width])
    }
}
