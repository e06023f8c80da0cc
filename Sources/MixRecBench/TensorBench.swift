import ArgumentParser
import COpenBLAS
import Foundation
import Tensor

/// `scripts/bench tensor`: one SmolLM2-shaped Llama block (frozen weights, input requiring gradients), forward
/// and forward+backward, against `cblas_sgemm` on the block's own matmul shapes measured in the same run.
struct TensorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor",
        abstract: "Llama block (SmolLM2 shape) forward/backward vs. the machine's sgemm rate for the same shapes.")

    @Option(help: "BLAS threads.") var threads = 2
    @Option(help: "Timed runs (the median is reported).") var runs = 15
    @Option(help: "Untimed warm-up runs.") var warmup = 3
    @Option(help: "Sequence length.") var sequence = 512

    func validate() throws {
        guard self.threads >= 1, self.runs >= 1, self.warmup >= 0, self.sequence >= 1 else {
            throw ValidationError("--threads, --runs and --sequence must be at least 1, --warmup at least 0.")
        }
    }

    func run() {
        BLASRuntime.setThreads(self.threads)
        print("OpenBLAS core: \(BLASRuntime.coreName), threads: \(BLASRuntime.threads)")
        let shape = BlockShape(sequence: self.sequence)
        let block = LlamaBlock(shape: shape)
        var generator = RandomGenerator(seed: 11)
        let input = Tensor.randomNormal([1, shape.sequence, shape.width], generator: &generator, requiresGrad: true)
        let outputGradient = Tensor.randomNormal([1, shape.sequence, shape.width], generator: &generator)

        let forwardGEMMs = shape.forwardGEMMs
        let allGEMMs = forwardGEMMs + shape.backwardGEMMs
        // Interleaved, so that the block and its sgemm baseline see the same machine load.
        let times = self.medians([
            { _ = block.forward(input) },
            { forwardGEMMs.forEach { $0.run() } },
            {
                block.forward(input).backward(gradient: outputGradient)
                input.zeroGrad()
            },
            { allGEMMs.forEach { $0.run() } },
        ])
        let (forward, gemmForward, training, gemmTraining) = (times[0], times[1], times[2], times[3])
        let flopsForward = shape.blockForwardFLOPs
        let flopsTraining = flopsForward + shape.blockBackwardFLOPs
        let rateForward = flopsForward / forward / 1e9
        let rateTraining = flopsTraining / training / 1e9
        let gemmRateForward = forwardGEMMs.flops / gemmForward / 1e9
        let gemmRateTraining = allGEMMs.flops / gemmTraining / 1e9
        print(
            "block: width \(shape.width), heads \(shape.heads)/\(shape.kvHeads) × \(shape.headDim), "
                + "MLP \(shape.hidden), sequence \(shape.sequence), batch 1, causal; frozen weights, input requires grad"
        )
        print(Self.row("", "time ms", "GFLOP", "GFLOP/s", "sgemm GFLOP/s", "ratio"))
        print(
            Self.row(
                "forward", Self.format(forward * 1e3), Self.format(flopsForward / 1e9), Self.format(rateForward),
                Self.format(gemmRateForward), Self.format(rateForward / gemmRateForward * 100) + "%"))
        print(
            Self.row(
                "forward+backward", Self.format(training * 1e3), Self.format(flopsTraining / 1e9),
                Self.format(rateTraining), Self.format(gemmRateTraining),
                Self.format(rateTraining / gemmRateTraining * 100) + "%"))
        print("FLOPs count the useful work: projections and MLP, causal attention's lower triangle; the backward")
        print("pass has only the input-gradient GEMMs (frozen weights). sgemm runs the block's exact matmul shapes")
        print("(attention per head, dense) back to back; the ratio compares the block's rate with that rate.")
        print("pool: \(BufferPool.shared.statistics)")
    }

    /// The median wall time in seconds of each body over `runs` rounds (after `warmup` rounds); every round runs
    /// each body once, in order.
    private func medians(_ bodies: [() -> Void]) -> [Double] {
        for _ in 0..<self.warmup {
            bodies.forEach { $0() }
        }
        var times = Array(repeating: [Double](), count: bodies.count)
        for _ in 0..<self.runs {
            for (index, body) in bodies.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                times[index].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        return times.map { $0.sorted()[$0.count / 2] }
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private static func row(_ cells: String...) -> String {
        cells.enumerated().map { index, cell in
            let width = index == 0 ? 18 : 14
            return String(repeating: " ", count: max(0, width - cell.count)) + cell
        }.joined()
    }
}

// MARK: - The block

/// SmolLM2-135M's block dimensions.
private struct BlockShape {
    let sequence: Int
    let width = 576
    let heads = 9
    let kvHeads = 3
    let headDim = 64
    let hidden = 1536

    var kvWidth: Int { self.kvHeads * self.headDim }

    /// Useful causal attention FLOPs of one matmul (QKᵀ or PV) over all heads: rows see 1...L keys.
    var causalAttentionFLOPs: Double {
        2 * Double(self.headDim) * Double(self.sequence * (self.sequence + 1) / 2) * Double(self.heads)
    }

    var projectionFLOPs: Double {
        let perRow = self.width * (self.width + 2 * self.kvWidth + self.width) + 3 * self.width * self.hidden
        return 2 * Double(self.sequence) * Double(perRow)
    }

    var blockForwardFLOPs: Double { self.projectionFLOPs + 2 * self.causalAttentionFLOPs }
    /// Input gradients only: one GEMM per projection, four per attention head.
    var blockBackwardFLOPs: Double { self.projectionFLOPs + 4 * self.causalAttentionFLOPs }

    var forwardGEMMs: [GEMM] {
        let (l, d) = (self.sequence, self.width)
        var list = [
            GEMM(m: l, n: d, k: d), GEMM(m: l, n: self.kvWidth, k: d), GEMM(m: l, n: self.kvWidth, k: d),
            GEMM(m: l, n: d, k: d), GEMM(m: l, n: self.hidden, k: d), GEMM(m: l, n: self.hidden, k: d),
            GEMM(m: l, n: d, k: self.hidden),
        ]
        for _ in 0..<self.heads {
            list += [GEMM(m: l, n: l, k: self.headDim, transposeB: true), GEMM(m: l, n: self.headDim, k: l)]
        }
        return list
    }

    var backwardGEMMs: [GEMM] {
        let (l, d) = (self.sequence, self.width)
        var list = [
            GEMM(m: l, n: d, k: d), GEMM(m: l, n: d, k: self.kvWidth), GEMM(m: l, n: d, k: self.kvWidth),
            GEMM(m: l, n: d, k: d), GEMM(m: l, n: d, k: self.hidden), GEMM(m: l, n: d, k: self.hidden),
            GEMM(m: l, n: self.hidden, k: d),
        ]
        for _ in 0..<self.heads {
            list += [
                GEMM(m: l, n: self.headDim, k: l, transposeA: true),
                GEMM(m: l, n: l, k: self.headDim, transposeB: true),
                GEMM(m: l, n: self.headDim, k: l), GEMM(m: l, n: self.headDim, k: l, transposeA: true),
            ]
        }
        return list
    }
}

/// One `cblas_sgemm` shape with its own buffers.
private final class GEMM {
    let m: Int
    let n: Int
    let k: Int
    let transposeA: Bool
    let transposeB: Bool
    private let a: [Float]
    private let b: [Float]
    private var c: [Float]

    init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
        (self.m, self.n, self.k, self.transposeA, self.transposeB) = (m, n, k, transposeA, transposeB)
        self.a = (0..<(m * k)).map { Float($0 % 7) * 0.01 }
        self.b = (0..<(k * n)).map { Float($0 % 5) * 0.01 }
        self.c = Array(repeating: 0, count: m * n)
    }

    var flops: Double { 2 * Double(self.m) * Double(self.n) * Double(self.k) }

    func run() {
        BLAS.gemm(
            transposeA: self.transposeA, transposeB: self.transposeB, m: self.m, n: self.n, k: self.k,
            a: self.a, lda: self.transposeA ? self.m : self.k, b: self.b, ldb: self.transposeB ? self.k : self.n,
            beta: 0, c: &self.c, ldc: self.n)
    }
}

extension [GEMM] {
    fileprivate var flops: Double { self.reduce(0) { $0 + $1.flops } }
}

/// A Llama block composed from the tensor ops, with frozen random weights.
private struct LlamaBlock {
    let shape: BlockShape
    let attentionNorm: Tensor
    let query: Tensor
    let key: Tensor
    let value: Tensor
    let output: Tensor
    let mlpNorm: Tensor
    let gate: Tensor
    let up: Tensor
    let down: Tensor
    let positions: [Int]

    init(shape: BlockShape) {
        self.shape = shape
        var generator = RandomGenerator(seed: 5)
        func weight(_ rows: Int, _ columns: Int) -> Tensor {
            Tensor.randomNormal(
                [rows, columns], standardDeviation: 1 / Float(columns).squareRoot(), generator: &generator)
        }
        self.attentionNorm = Tensor.ones([shape.width])
        self.query = weight(shape.width, shape.width)
        self.key = weight(shape.kvWidth, shape.width)
        self.value = weight(shape.kvWidth, shape.width)
        self.output = weight(shape.width, shape.width)
        self.mlpNorm = Tensor.ones([shape.width])
        self.gate = weight(shape.hidden, shape.width)
        self.up = weight(shape.hidden, shape.width)
        self.down = weight(shape.width, shape.hidden)
        self.positions = Array(0..<shape.sequence)
    }

    func forward(_ x: Tensor) -> Tensor {
        let s = self.shape
        let normed = Tensor.rmsNorm(x, weight: self.attentionNorm)
        let rope = { (t: Tensor) in
            Tensor.rope(t, positions: self.positions, headDim: s.headDim, base: 100_000, convention: .adjacentPairs)
        }
        let q = rope(Tensor.linear(normed, weight: self.query))
        let k = rope(Tensor.linear(normed, weight: self.key))
        let v = Tensor.linear(normed, weight: self.value)
        let attended = Tensor.attention(
            query: q, key: k, value: v, heads: s.heads, kvHeads: s.kvHeads, mask: .causal(offset: 0))
        let residual = x + Tensor.linear(attended, weight: self.output)
        let normed2 = Tensor.rmsNorm(residual, weight: self.mlpNorm)
        let gated = Tensor.swiglu(
            gate: Tensor.linear(normed2, weight: self.gate), up: Tensor.linear(normed2, weight: self.up))
        return residual + Tensor.linear(gated, weight: self.down)
    }
}
