import Backbone
import Foundation
import Tensor

/// One measured configuration of `scripts/bench backbone`: a batch shape, a depth and a mode.
///
/// Each case runs in a process of its own (Swift and PyTorch alike), so that its peak resident memory belongs to
/// it alone; its spec string (`8x128:30:forward`) is what the parent passes to the child.
struct BackboneBenchCase: Hashable, CustomStringConvertible {
    enum Mode: String, CaseIterable {
        /// Logits at every position, no graph.
        case forward
        /// Next-token cross-entropy over the full vocabulary, back-propagated to the input embeddings.
        case forwardBackward = "forward+backward"
    }

    let batch: Int
    let length: Int
    let blocks: Int
    let mode: Mode

    var shape: String { "\(self.batch)x\(self.length)" }
    var tokens: Int { self.batch * self.length }
    var description: String { "\(self.shape):\(self.blocks):\(self.mode.rawValue)" }

    init(batch: Int, length: Int, blocks: Int, mode: Mode) {
        self.batch = batch
        self.length = length
        self.blocks = blocks
        self.mode = mode
    }

    /// Parses `BxL:blocks:mode`.
    init?(spec: String) {
        let parts = spec.split(separator: ":").map(String.init)
        guard parts.count == 3 else { return nil }
        let dimensions = parts[0].split(separator: "x").compactMap { Int($0) }
        guard dimensions.count == 2, dimensions.allSatisfy({ $0 > 0 }), let blocks = Int(parts[1]), blocks > 0,
            let mode = Mode(rawValue: parts[2])
        else { return nil }
        self.init(batch: dimensions[0], length: dimensions[1], blocks: blocks, mode: mode)
    }
}

// MARK: - Result

/// What one process reports for one case (one JSON line on stdout, the same from Swift and from PyTorch).
struct BackboneBenchResult {
    /// Median tokens per second over the timed runs.
    let tokensPerSecond: Double
    /// Seconds of every timed run.
    let seconds: [Double]
    /// The process's peak resident memory (VmHWM) at the end of the case, in MB.
    let peakMemoryMB: Double

    var jsonLine: String {
        let runs = self.seconds.map { String(format: "%.4f", $0) }.joined(separator: ",")
        return String(
            format: "{\"tokensPerSecond\": %.1f, \"seconds\": [%@], \"peakMemoryMB\": %.1f}", self.tokensPerSecond,
            runs, self.peakMemoryMB)
    }

    /// The last line of `output` that parses as a result.
    init?(output: String) {
        for line in output.split(separator: "\n").reversed() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let rate = object["tokensPerSecond"] as? Double, let peak = object["peakMemoryMB"] as? Double
            else { continue }
            self.init(tokensPerSecond: rate, seconds: object["seconds"] as? [Double] ?? [], peakMemoryMB: peak)
            return
        }
        return nil
    }

    init(tokensPerSecond: Double, seconds: [Double], peakMemoryMB: Double) {
        self.tokensPerSecond = tokensPerSecond
        self.seconds = seconds
        self.peakMemoryMB = peakMemoryMB
    }

    /// "1234 (1200–1260)": the median rate and the range over runs.
    var summary: String {
        guard let fastest = self.seconds.min(), let slowest = self.seconds.max() else {
            return String(format: "%.0f", self.tokensPerSecond)
        }
        let tokens = self.tokensPerSecond * BackboneBenchTiming.median(self.seconds)
        return String(format: "%.0f (%.0f–%.0f)", self.tokensPerSecond, tokens / slowest, tokens / fastest)
    }
}

// MARK: - Timing and memory

enum BackboneBenchTiming {
    /// Seconds of `repeats` timed runs of `body`, after one untimed warm-up run.
    static func timedRuns(repeats: Int, _ body: () -> Void) -> [Double] {
        body()
        return (0..<max(1, repeats)).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
    }

    /// The median (the mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// A field of `/proc/self/status` in MB (`VmHWM`: peak resident set of this process; `VmRSS`: current).
    static func statusMB(_ field: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first
            return kilobytes.map { $0 / 1024 }
        }
        return nil
    }

    /// The 1-minute load average (a note on how busy the machine was).
    static var loadAverage: String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

// MARK: - Running a case in this process

extension BackboneBenchCase {
    /// Loads the model, runs the case (one warm-up, `repeats` timed runs) and returns the result.
    func run(modelPath: String, repeats: Int) throws -> BackboneBenchResult {
        let full = try LlamaModel.load(path: modelPath)
        let model = self.blocks >= full.configuration.blockCount ? full : full.topBlocks(self.blocks)
        var generator = RandomGenerator(seed: UInt64(self.tokens))
        let vocabulary = UInt64(model.configuration.vocabularySize)
        let tokens = (0..<self.batch).map { _ in (0..<self.length).map { _ in Int(generator.next() % vocabulary) } }
        let seconds = BackboneBenchTiming.timedRuns(repeats: repeats) {
            switch self.mode {
            case .forward: Self.forward(model, tokens)
            case .forwardBackward: Self.forwardBackward(model, tokens)
            }
        }
        let pool = BufferPool.shared.statistics
        let note =
            "swift \(self): buffer pool \(pool.freshAllocations) fresh, \(pool.reuses) reused, "
            + "\(pool.evictions) evicted, \(pool.cachedBytes >> 20) MB cached at the end\n"
        FileHandle.standardError.write(Data(note.utf8))
        return BackboneBenchResult(
            tokensPerSecond: Double(self.tokens) / BackboneBenchTiming.median(seconds), seconds: seconds,
            peakMemoryMB: BackboneBenchTiming.statusMB("VmHWM") ?? .nan)
    }

    /// Logits at every position, no graph.
    static func forward(_ model: LlamaModel, _ tokens: [[Int]]) {
        withoutGradients { _ = model.logits(model.forward(model.embed(tokens))) }
    }

    /// Next-token cross-entropy over the full vocabulary (the tied head fused with the loss, so the logits are
    /// taken chunk by chunk), back-propagated to the input embeddings.
    static func forwardBackward(_ model: LlamaModel, _ tokens: [[Int]]) {
        let input = model.embed(tokens)
        input.requiresGrad = true
        let targets = tokens.flatMap { sequence in Array(sequence.dropFirst()) + [-100] }
        let loss = Tensor.linearCrossEntropy(
            hidden: model.forward(input), weight: model.weights.head, targets: targets)
        loss.backward()
    }
}
