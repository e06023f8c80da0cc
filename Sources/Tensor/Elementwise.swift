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
            for index in 0..<length {
                z[index] = arithmetic.apply(x[index * aStride], y[index * bStride])
            }
        }
        return result.record("binary", inputs: [a, b]) { context in
            let gradient = context.outputGradientPointer
            let aGradient = context.gradient(ofInput: 0)?.baseAddress
            let bGradient = context.gradient(ofInput: 1)?.baseAddress
            plan.forEachRun { outputOffset, aOffset, bOffset in
                let g = gradient + outputOffset
                if let aGradient {
                    let target = aGradient + aOffset
                    for index in 0..<length {
                        let factor = arithmetic == .multiply ? bValues[bOffset + index * bStride] : 1
                        target[index * aStride] += g[index] * factor
                    }
                }
                if let bGradient {
                    let target = bGradient + bOffset
                    for index in 0..<length {
                        let factor: Float =
                            switch arithmetic {
                            case .add: 1
                            case .subtract: -1
                            case .multiply: aValues[aOffset + index * aStride]
                            }
                        target[index * bStride] += g[index] * factor
                    }
                }
            }
        }
    }
}
