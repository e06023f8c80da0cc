// MARK: - Broadcast plan

/// How two shapes broadcast (NumPy rules: align trailing dimensions; a dimension of 1 repeats).
/// The output is visited as runs along its last dimension, each run with fixed strides into both inputs.
struct BroadcastPlan {
    let shape: [Int]
    private let outerShape: [Int]
    private let aOuterStrides: [Int]
    private let bOuterStrides: [Int]
    let runLength: Int
    let aRunStride: Int
    let bRunStride: Int

    init(_ aShape: [Int], _ bShape: [Int]) {
        if aShape == bShape {
            // One run over everything.
            self.shape = aShape
            self.outerShape = []
            self.aOuterStrides = []
            self.bOuterStrides = []
            self.runLength = aShape.reduce(1, *)
            (self.aRunStride, self.bRunStride) = (1, 1)
            return
        }
        let rank = max(aShape.count, bShape.count, 1)
        let a = Array(repeating: 1, count: rank - aShape.count) + aShape
        let b = Array(repeating: 1, count: rank - bShape.count) + bShape
        var shape: [Int] = []
        for axis in 0..<rank {
            precondition(
                a[axis] == b[axis] || a[axis] == 1 || b[axis] == 1, "shapes \(aShape) and \(bShape) do not broadcast")
            shape.append(a[axis] == 1 ? b[axis] : a[axis])
        }
        func strides(_ dims: [Int]) -> [Int] {
            var result = Array(repeating: 0, count: rank)
            var step = 1
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                result[axis] = dims[axis] == 1 ? 0 : step
                step *= dims[axis]
            }
            return result
        }
        let aStrides = strides(a)
        let bStrides = strides(b)
        self.shape = shape
        self.outerShape = Array(shape.dropLast())
        self.aOuterStrides = Array(aStrides.dropLast())
        self.bOuterStrides = Array(bStrides.dropLast())
        self.runLength = shape[rank - 1]
        self.aRunStride = aStrides[rank - 1]
        self.bRunStride = bStrides[rank - 1]
    }

    /// Calls `body(outputOffset, aOffset, bOffset)` for the start of every run, in output order.
    @inline(__always)
    func forEachRun(_ body: (Int, Int, Int) -> Void) {
        let runs = self.outerShape.reduce(1, *)
        var index = Array(repeating: 0, count: self.outerShape.count)
        var aOffset = 0
        var bOffset = 0
        for run in 0..<runs {
            body(run * self.runLength, aOffset, bOffset)
            var axis = self.outerShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                aOffset += self.aOuterStrides[axis]
                bOffset += self.bOuterStrides[axis]
                if index[axis] < self.outerShape[axis] { break }
                aOffset -= self.aOuterStrides[axis] * index[axis]
                bOffset -= self.bOuterStrides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
