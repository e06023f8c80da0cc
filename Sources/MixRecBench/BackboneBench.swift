import ArgumentParser
import Backbone
import Foundation
import Tensor

/// `scripts/bench backbone [--peer torch]`: SmolLM2 tokens/s for forward and forward+backward (frozen weights,
/// input embeddings requiring gradients, next-token cross-entropy over the full vocabulary), for all blocks and the
/// top blocks only, plus tokenizer speed; with `--peer torch` the same computation in PyTorch.
///
/// Every case runs in a fresh process per side (this executable with `--case`, or the PyTorch script), alternating
/// Swift and PyTorch case by case; each reports the median of its timed runs and its own peak resident memory.
struct BackboneBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backbone",
        abstract: "Backbone LLM throughput (forward, forward+backward) and memory, optionally against PyTorch."
    )

    @Option(help: "The model (.gguf or Hugging Face folder); default: the one fetched by scripts/setup.")
    var model: String?

    @Option(help: "BLAS threads.")
    var threads = 2

    @Option(help: "Also run the peer implementation: torch.")
    var peer: String?

    @Option(help: "Timed runs per case, after one warm-up (the median is reported).")
    var repeats = 5

    @Option(help: "Blocks of the 'top blocks only' variant.")
    var top = 4

    @Option(help: "A TSV catalog whose last column is an item title, for the tokenizer measurement.")
    var titles = "../shared/data/amazon-beauty/items.tsv"

    @Option(help: "Run only these cases (BxL:blocks:mode, repeatable), e.g. --only 8x128:30:forward.")
    var only: [String] = []

    @Option(
        name: .customLong("case"),
        help: ArgumentHelp("Run one case (BxL:blocks:mode) in this process and print its result.", visibility: .hidden))
    var singleCase: String?

    func validate() throws {
        if let peer = self.peer, peer != "torch" { throw ValidationError("--peer must be torch, got \(peer).") }
        for spec in self.only + (self.singleCase.map { [$0] } ?? []) where BackboneBenchCase(spec: spec) == nil {
            throw ValidationError("a case must look like 8x128:30:forward, got \(spec).")
        }
    }

    func run() throws {
        BLASRuntime.setThreads(self.threads)
        let path = self.model ?? LlamaModel.defaultModelPath
        if let spec = self.singleCase, let benchCase = BackboneBenchCase(spec: spec) {
            Self.emit(try benchCase.run(modelPath: path, repeats: self.repeats).jsonLine)
            return
        }
        Self.emit("openblas kernel: \(BLASRuntime.coreName), threads: \(BLASRuntime.threads), repeats: \(self.repeats)")
        Self.emit("load average at start: \(BackboneBenchTiming.loadAverage)")
        let weights = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mixrec-bench-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: weights) }
        let (blockCount, peerConfiguration) = try self.prepare(path: path, weights: weights)

        var cases: [BackboneBenchCase] = []
        for (batch, length) in [(1, 512), (8, 128)] {
            for blocks in [blockCount, self.top] {
                cases += BackboneBenchCase.Mode.allCases.map {
                    BackboneBenchCase(batch: batch, length: length, blocks: blocks, mode: $0)
                }
            }
        }
        if !self.only.isEmpty {
            let wanted = Set(self.only.compactMap(BackboneBenchCase.init(spec:)))
            cases = cases.filter(wanted.contains)
        }
        var swift: [BackboneBenchCase: BackboneBenchResult] = [:]
        var torch: [BackboneBenchCase: BackboneBenchResult] = [:]
        for benchCase in cases {
            let own = try self.runSwift(benchCase, modelPath: path)
            swift[benchCase] = own
            Self.emit("swift \(benchCase): \(own.summary) tokens/s, peak \(Int(own.peakMemoryMB)) MB")
            if let peerConfiguration {
                let other = try self.runTorch(benchCase, weights: weights.path, configuration: peerConfiguration)
                torch[benchCase] = other
                Self.emit("torch \(benchCase): \(other.summary) tokens/s, peak \(Int(other.peakMemoryMB)) MB")
            }
        }
        self.printTable(cases, swift: swift, torch: torch)
        Self.emit("load average at end: \(BackboneBenchTiming.loadAverage)")
    }

    // MARK: - Preparation

    /// Loads the model once: tokenizer speed, and the weights file plus configuration for the PyTorch peer.
    /// - Returns: the model's block count and the peer's configuration JSON (`nil` without a peer).
    func prepare(path: String, weights: URL) throws -> (Int, String?) {
        let start = Date()
        let backbone = try LlamaModel.load(path: path)
        Self.emit(String(format: "load: %.2f s (%@)", Date().timeIntervalSince(start), path))
        if let tokenizer = backbone.tokenizer { self.measureTokenizer(tokenizer) }
        guard self.peer == "torch" else { return (backbone.configuration.blockCount, nil) }
        try backbone.writeWeights(safeTensorsPath: weights.path)
        let c = backbone.configuration
        let config: [String: Any] = [
            "width": c.width, "heads": c.heads, "kvHeads": c.kvHeads, "headDim": c.headDim, "blocks": c.blockCount,
            "vocabularySize": c.vocabularySize, "rmsEpsilon": Double(c.rmsEpsilon), "ropeBase": Double(c.ropeBase),
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        return (c.blockCount, json)
    }

    func measureTokenizer(_ tokenizer: BPETokenizer) {
        guard let text = try? String(contentsOfFile: self.titles, encoding: .utf8) else {
            Self.emit("tokenizer: skipped (no catalog at \(self.titles))")
            return
        }
        let titles = text.split(separator: "\n").dropFirst().map { String($0.split(separator: "\t").last ?? "") }
        var tokens = 0
        let seconds = BackboneBenchTiming.timedRuns(repeats: self.repeats) {
            tokens = titles.reduce(0) { $0 + tokenizer.encode($1).count }
        }
        Self.emit(
            String(
                format: "tokenizer: %d titles (%d tokens) in %.3f s (median)", titles.count, tokens,
                BackboneBenchTiming.median(seconds)))
    }

    // MARK: - Child processes

    /// Runs `benchCase` in a fresh process of this executable.
    func runSwift(_ benchCase: BackboneBenchCase, modelPath: String) throws -> BackboneBenchResult {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        return try Self.runChild(
            executable,
            [
                "backbone", "--case", benchCase.description, "--model", modelPath, "--threads", "\(self.threads)",
                "--repeats", "\(self.repeats)",
            ], name: "swift")
    }

    /// Runs `benchCase` in a fresh PyTorch process.
    func runTorch(_ benchCase: BackboneBenchCase, weights: String, configuration: String) throws
        -> BackboneBenchResult
    {
        try Self.runChild(
            "scripts/peers/torch_backbone.sh",
            [
                "--weights", weights, "--config", configuration, "--threads", "\(self.threads)",
                "--case", benchCase.description, "--repeats", "\(self.repeats)",
            ], name: "torch peer")
    }

    /// Runs a child, passes its stderr through and parses the result line of its stdout.
    static func runChild(_ executable: String, _ arguments: [String], name: String) throws -> BackboneBenchResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let result = BackboneBenchResult(output: output) else {
            throw ValidationError(
                "the \(name) case \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus))")
        }
        return result
    }

    // MARK: - Output

    /// Writes a line straight to stdout (unbuffered, so a log shows each case as it finishes).
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    // MARK: - Table

    func printTable(
        _ cases: [BackboneBenchCase], swift: [BackboneBenchCase: BackboneBenchResult],
        torch: [BackboneBenchCase: BackboneBenchResult]
    ) {
        Self.emit(
            "\n| shape | blocks | mode | swift tokens/s | torch tokens/s | ratio | swift peak MB | torch peak MB |")
        Self.emit("|---|---|---|---|---|---|---|---|")
        for benchCase in cases {
            guard let own = swift[benchCase] else { continue }
            let other = torch[benchCase]
            let cells = [
                benchCase.shape, "\(benchCase.blocks)", benchCase.mode.rawValue,
                String(format: "%.0f", own.tokensPerSecond),
                other.map { String(format: "%.0f", $0.tokensPerSecond) } ?? "-",
                other.map { String(format: "%.2f×", own.tokensPerSecond / $0.tokensPerSecond) } ?? "-",
                String(format: "%.0f", own.peakMemoryMB),
                other.map { String(format: "%.0f", $0.peakMemoryMB) } ?? "-",
            ]
            Self.emit("| " + cells.joined(separator: " | ") + " |")
        }
        Self.emit("(tokens/s: median of \(self.repeats) runs after a warm-up; peak: VmHWM of the case's own process;")
        Self.emit(" forward+backward: Swift fuses the tied head with the loss, PyTorch materialises the logits)")
    }
}
