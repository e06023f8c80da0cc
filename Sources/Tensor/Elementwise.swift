// MARK: - Binary ops with broadcasting

/// The arithmetic of a broadcasting binary op: value and partial derivatives.
private enum BinaryArithmetic {
    case add
    case subtract
    case multiply

    @inline(__always)
    func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        }
    }
}

extension Tensor {
    /// Element-wise `a + b` with broadcasting (NumPy rules).
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        Tensor.binary(a, b, .add)
    }

    /// Element-wise `a - b` with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        Tensor.binary(a, b, .subtract)
    }

    /// Element-wise `a * b` with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        Tensor.binary(a, b, .multiply)
    }

    /// `a * scalar`.
    public static func * (a: Tensor, scalar: Float) -> Tensor {
        a.scaled(by: scalar)
    }

    /// `-a`.
    public static prefix func - (a: Tensor) -> Tensor {
        a.scaled(by: -1)
    }

    /// Every element multiplied by `factor`.
    public func scaled(by factor: Float) -> Tensor {
        let input = self
        let count = self.count
        let result = Tensor.uninitialized(shape: self.shape)
        let (source, destination) = (input.pointer, result.pointer)
        for index in 0..<count {
            destination[index] = source[index] * factor
        }
        return result.record("scale", inputs: [input]) { context in
            guard let gradient = context.gradient(ofInput: 0) else { return }
            let outputGradient = context.outputGradientPointer
            for index in 0..<count {
                gradient[index] += outputGradient[index] * factor
            }
        }
    }

    private static func binary(_ a: Tensor, _ b: Tensor, _ arithmetic: BinaryArithmetic) -> Tensor {
        let plan = BroadcastPlan(a.shape, b.shape)
        let result = Tensor.uninitialized(shape: plan.shape)
        let (aValues, bValues, output) = (a.pointer, b.pointer, result.pointer)
        let (length, aStride, bStride) = (plan.runLength, plan.aRunStride, plan.bRunStride)
        plan.forEachRun { outputOffset, aOffset, bOffset in
            let (x, y, z) = (aValues + aOffset, bValues + bOffset, output + outputOffset)
            if aStride == 1 && bStride == 1 {
                // Contiguous runs (same shapes, row broadcasts): one branch-free loop per op, so it vectorises.
                switch arithmetic {
                case .add: for index in 0..<length { z[index] = x[index] + y[index] }
                case .subtract: for index in 0..<length { z[index] = x[index] - y[index] }
                case .multiply: for index in 0..<length { z[index] = x[index] * y[index] }
                }
                return
            }
            for index in 0..<length {
                z[index] = arithmetic.apply(x[index * aStride], y[index * bStride])
            }
        }
        return result.record("binary", inputs: [a, b]) { context in
            let gradient = context.outputGradientPointer
            // An operand as large as the result gets each element of its gradient once: a buffer created for it
            // is written, not zero-filled and added to. `a` is taken first, so when `b` is the same tensor it adds.
            func target(_ index: Int, _ operand: Tensor, stride: Int) -> GradientTarget? {
                guard operand.count == context.output.count, stride == 1 else {
                    return context.gradient(ofInput: index)?.baseAddress.map { ($0, true) }
                }
                return context.wholeGradient(ofInput: index)
            }
            let aGradient = target(0, a, stride: aStride)
            let bGradient = target(1, b, stride: bStride)
            let multiplies = arithmetic == .multiply
            plan.forEachRun { outputOffset, aOffset, bOffset in
                let g = gradient + outputOffset
                if let (aGradient, adds) = aGradient {
                    Self.accumulateRun(
                        g, count: length, into: aGradient + aOffset, stride: aStride,
                        times: multiplies ? (UnsafePointer(bValues + bOffset), bStride) : nil, sign: 1, adds: adds)
                }
                if let (bGradient, adds) = bGradient {
                    Self.accumulateRun(
                        g, count: length, into: bGradient + bOffset, stride: bStride,
                        times: multiplies ? (UnsafePointer(aValues + aOffset), aStride) : nil,
                        sign: arithmetic == .subtract ? -1 : 1, adds: adds)
                }
            }
        }
    }

    /// Adds one run of a binary op's gradient into an operand's: `target[i·stride] += sign · g[i] · f[i·fStride]`
    /// for `i < count` (`f` = 1 without `factor`). A stride of 0 (a broadcast operand) sums the run into one element.
    /// The common layouts get branch-free loops of their own (they vectorise); every layout adds in the same order and
    /// rounding as one element at a time. Without `adds` (stride 1 only) the run is written instead of added.
    @inline(__always)
    private static func accumulateRun(
        _ g: UnsafePointer<Float>, count: Int, into target: UnsafeMutablePointer<Float>, stride: Int,
        times factor: (values: UnsafePointer<Float>, stride: Int)?, sign: Float, adds: Bool
    ) {
        switch (stride, factor) {
        case (1, _) where !adds:
            switch factor {
            case nil: for index in 0..<count { target[index] = g[index] * sign }
            case let (values, 1)?: for index in 0..<count { target[index] = g[index] * values[index] * sign }
            case let (values, 0)?:
                let f = values[0] * sign
                for index in 0..<count { target[index] = g[index] * f }
            case let (values, fStride)?:
                for index in 0..<count { target[index] = sign * g[index] * values[index * fStride] }
            }
        case (1, nil):
            if sign == 1 {
                for index in 0..<count { target[index] += g[index] }
            } else {
                for index in 0..<count { target[index] -= g[index] }
            }
        case (1, let (f, 1)?):
            for index in 0..<count { target[index] += g[index] * f[index] }
        case (1, let (values, 0)?):
            let f = values[0] * sign
            for index in 0..<count { target[index] += g[index] * f }
        case (0, nil):
            // Summed in a register, in the same order as element by element.
            var sum = target[0]
            if sign == 1 {
                for index in 0..<count { sum += g[index] }
            } else {
                for index in 0..<count { sum -= g[index] }
            }
            target[0] = sum
        case (0, let (f, 1)?):
            var sum = target[0]
            for index in 0..<count { sum += g[index] * f[index] }
            target[0] = sum
        default:
            for index in 0..<count {
                let f = factor.map { $0.values[index * $0.stride] } ?? 1
                target[index * stride] += sign * g[index] * f
            }
        }
    }
}
