import Tensor

extension Tensor {
    /// `[count, w]` rows that hold row `k` of this `[n, w]` tensor at `rows[k]` and zeros elsewhere
    /// (differentiable: a gather from the rows behind one zero row).
    func placed(at rows: [Int], count: Int) -> Tensor {
        self.placedRows(Array(0..<count), at: rows, count: count)
    }

    /// Rows `wanted` of ``placed(at:count:)``, without building the whole placement (differentiable).
    func placedRows(_ wanted: [Int], at rows: [Int], count: Int) -> Tensor {
        let width = self.shape[1]
        var source = [Int](repeating: 0, count: count)
        for (index, row) in rows.enumerated() { source[row] = index + 1 }
        return Tensor.concat([Tensor.zeros([1, width]), self], axis: 0).gather(rows: wanted.map { source[$0] })
    }
}
