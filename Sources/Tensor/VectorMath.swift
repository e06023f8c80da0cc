import Dispatch
import Foundation

// MARK: - Vectorised exp

/// Loops over contiguous Float buffers with SIMD where the compiler cannot vectorise libm calls itself.
enum VectorMath {
    typealias Vector = SIMD16<Float>

    /// eˣ per lane: range reduction to r ∈ [-ln2/2, ln2/2], degree-6 polynomial, scale by 2ⁿ through the
    /// exponent bits. Relative error < 2e-7; inputs below -87 give exactly 0 (so -∞ masks give 0).
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        // Compare-and-blend compiles to vector instructions; `clamped` and `pointwiseMax` go lane by lane.
        let low = Vector(repeating: -87)
        let high = Vector(repeating: 88)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let shifter = Vector(repeating: 12_582_912)  // 1.5 · 2²³: adding it rounds to an integer in the mantissa
        let shifted = clamped * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = clamped - n * 0.693_145_751_953_125 - n * 1.428_606_765_330_187e-06
        var p = Vector(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent =
            unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- unsafeBitCast(shifter, to: SIMD16<UInt32>.self)
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: Vector.self)
        return (p * scale).replacing(with: 0, where: x .< -87)
    }

    /// eˣ for one value, by the same formula as the vector version (so results agree lane for lane).
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        Self.exp(Vector(repeating: x))[0]
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }

    /// dst[i] = exp(src[i] - shift) for i in 0..<count; returns the sum of the results. `dst` may equal `src`.
    static func expShifted(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, shift: Float
    ) -> Float {
        var index = 0
        var sums = Vector()
        let shiftVector = Vector(repeating: shift)
        while index + 16 <= count {
            let value = Self.exp(Self.load(src + index) - shiftVector)
            Self.store(value, dst + index)
            sums += value
            index += 16
        }
        var sum = sums.sum()
        while index < count {
            let value = Self.exp(src[index] - shift)
            dst[index] = value
            sum += value
            index += 1
        }
        return sum
    }

    /// The sum of exp(src[i] - shift) for i in 0..<count, without storing the terms.
    static func expSum(_ src: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
        var index = 0
        var sums = Vector()
        let shiftVector = Vector(repeating: shift)
        while index + 16 <= count {
            sums += Self.exp(Self.load(src + index) - shiftVector)
            index += 16
        }
        var sum = sums.sum()
        while index < count {
            sum += Self.exp(src[index] - shift)
            index += 1
        }
        return sum
    }

    /// values[i] *= factor for i in 0..<count.
    static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var index = 0
        while index + 16 <= count {
            Self.store(Self.load(values + index) * factor, values + index)
            index += 16
        }
        while index < count {
            values[index] *= factor
            index += 1
        }
    }

    /// The largest of `count` values (`-infinity` when empty).
    static func maximum(_ src: UnsafePointer<Float>, count: Int) -> Float {
        var index = 0
        var maxima = Vector(repeating: -.infinity)
        while index + 16 <= count {
            let value = Self.load(src + index)
            maxima.replace(with: value, where: value .> maxima)
            index += 16
        }
        var result = maxima.max()
        while index < count {
            result = Swift.max(result, src[index])
            index += 1
        }
        return result
    }

    /// The sum of `count` values.
    static func sum(_ src: UnsafePointer<Float>, count: Int) -> Float {
        var index = 0
        var sums = Vector()
        while index + 16 <= count {
            sums += Self.load(src + index)
            index += 16
        }
        var result = sums.sum()
        while index < count {
            result += src[index]
            index += 1
        }
        return result
    }

    /// The dot product of two `count`-long vectors.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var index = 0
        var sums = Vector()
        while index + 16 <= count {
            sums += Self.load(a + index) * Self.load(b + index)
            index += 16
        }
        var result = sums.sum()
        while index < count {
            result += a[index] * b[index]
            index += 1
        }
        return result
    }
}

// MARK: - Parallel loops

/// Splits big loops over the configured thread count (`BLASRuntime.threads`), in contiguous chunks.
enum Parallel {
    /// Calls `body` on disjoint contiguous sub-ranges covering `0..<count`; runs inline when the work
    /// (`count · costPerItem` in rough element operations) is below ~64k or only one thread is configured.
    static func forEachChunk(_ count: Int, costPerItem: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(BLASRuntime.threads, count)
        guard threads > 1, count * costPerItem >= 65_536 else {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: threads) { chunk in
                let start = count * chunk / threads
                let end = count * (chunk + 1) / threads
                box.value(start..<end)
            }
        }
    }
}

extension Parallel {
    /// How many workers `forEachWorker` would use for this much work.
    static func workers(items: Int, costPerItem: Int) -> Int {
        items * costPerItem >= 65_536 ? max(1, min(BLASRuntime.threads, items)) : 1
    }

    /// Runs `body(worker)` for `worker` in `0..<workers` concurrently, with OpenBLAS switched to one thread
    /// meanwhile (each worker calls BLAS on its own small matrices; nested BLAS threads would oversubscribe).
    static func forEachWorker(_ workers: Int, _ body: (Int) -> Void) {
        guard workers > 1 else {
            body(0)
            return
        }
        BLASRuntime.singleThreaded {
            withoutActuallyEscaping(body) { body in
                let box = UncheckedBox(body)
                DispatchQueue.concurrentPerform(iterations: workers) { box.value($0) }
            }
        }
    }

    /// `VectorMath.forEachVector` over `0..<count`, with the vectors split over the configured threads.
    static func forEachVector(count: Int, costPerItem: Int, _ body: (Int, Int) -> Void) {
        Parallel.forEachChunk((count + 15) / 16, costPerItem: costPerItem * 16) { vectors in
            let start = vectors.lowerBound * 16
            VectorMath.forEachVector(count: min(count, vectors.upperBound * 16) - start) { offset, lanes in
                body(start + offset, lanes)
            }
        }
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`.
/// - Note: safe because callers pass closures that touch disjoint element ranges per chunk, and
///   `concurrentPerform` returns only after every chunk finished.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

// MARK: - Element-wise maps

extension VectorMath {
    /// Loads up to 16 values (zero-padded) at `pointer`.
    @inline(__always)
    static func loadPartial(_ pointer: UnsafePointer<Float>, count: Int) -> Vector {
        var value = Vector()
        for lane in 0..<count {
            value[lane] = pointer[lane]
        }
        return value
    }

    /// Stores the first `count` lanes of `value` at `pointer`.
    @inline(__always)
    static func storePartial(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
        for lane in 0..<count {
            pointer[lane] = value[lane]
        }
    }

    /// Runs `body(offset, lanes)` over `0..<count` in steps of 16 (the last step may have fewer lanes).
    @inline(__always)
    static func forEachVector(count: Int, _ body: (Int, Int) -> Void) {
        var index = 0
        while index < count {
            body(index, min(16, count - index))
            index += 16
        }
    }

    /// Loads `lanes` values (16 without padding work, fewer zero-padded).
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>, lanes: Int) -> Vector {
        lanes == 16 ? Self.load(pointer) : Self.loadPartial(pointer, count: lanes)
    }

    /// Stores `lanes` values, adding them to what is there when `accumulate`.
    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>, lanes: Int, accumulate: Bool) {
        let total = accumulate ? value + Self.load(UnsafePointer(pointer), lanes: lanes) : value
        if lanes == 16 {
            Self.store(total, pointer)
        } else {
            Self.storePartial(total, pointer, count: lanes)
        }
    }

    /// σ(x) per lane.
    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + Self.exp(-x))
    }
}
