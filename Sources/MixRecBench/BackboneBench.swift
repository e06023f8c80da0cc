import ArgumentParser
import Backbone
import Foundation
import Tensor

/// `scripts/bench backbone [--peer torch]`: SmolLM2 tokens/s for forward and forward+backward (frozen weights,
/// input embeddings requiring gradients, next-token cross-entropy over the full vocabulary), for all blocks and the
/// top blocks only, plus tokenizer speed and peak memory; with `--peer torch` the same computation in PyTorch.
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

    @Option(help: "Timed repetitions per measurement (the best is reported, after one warm-up).")
    var repeats = 2

    @Option(help: "Blocks of the 'top blocks only' variant.")
    var top = 4

    @Option(help: "A TSV catalog whose last column is an item title, for the tokenizer measurement.")
    var titles = "../shared/data/amazon-beauty/items.tsv"

    /// One measured configuration.
    struct Row: Hashable {
        let shape: String
        let blocks: Int
        let mode: String
    }

    func validate() throws {
        if let peer = self.peer, peer != "torch" { throw ValidationError("--peer must be torch, got \(peer).") }
    }

    func run() throws {
        BLASRuntime.setThreads(self.threads)
        print("openblas kernel: \(BLASRuntime.coreName), threads: \(BLASRuntime.threads)")
        let path = self.model ?? LlamaModel.defaultModelPath
        var start = Date()
        let backbone = try LlamaModel.load(path: path)
        print(String(format: "load: %.2f s (%@)", Date().timeIntervalSince(start), path))
        if let tokenizer = backbone.tokenizer { self.measureTokenizer(tokenizer) }

        var results: [Row: Double] = [:]
        var order: [Row] = []
        var generator = RandomGenerator(seed: 0)
        for (batch, length) in [(1, 512), (8, 128)] {
            let tokens = (0..<batch).map { _ in
                (0..<length).map { _ in Int(generator.next() % UInt64(backbone.configuration.vocabularySize)) }
            }
            for depth in [backbone.configuration.blockCount, self.top] {
                let view = depth == backbone.configuration.blockCount ? backbone : backbone.topBlocks(depth)
                for mode in ["forward", "forward+backward"] {
                    let seconds = self.best {
                        mode == "forward" ? Self.forward(view, tokens) : Self.forwardBackward(view, tokens)
                    }
                    let row = Row(shape: "\(batch)x\(length)", blocks: depth, mode: mode)
                    results[row] = Double(batch * length) / seconds
                    order.append(row)
                    print(
                        String(
                            format: "swift %@ blocks=%d %@: %.0f tokens/s", row.shape, depth, mode, results[row] ?? 0))
                }
            }
        }
        let swiftPeak = Self.peakMemoryMB()
        var peerResults: [Row: Double] = [:]
        var peerPeak: Double?
        if self.peer == "torch" {
            start = Date()
            (peerResults, peerPeak) = try self.runTorch(backbone)
            print(String(format: "torch peer ran in %.0f s", Date().timeIntervalSince(start)))
        }
        print("\n| shape | blocks | mode | swift tokens/s | torch tokens/s | ratio |")
        print("|---|---|---|---|---|---|")
        for row in order {
            let swift = results[row] ?? 0
            let torch = peerResults[row].map { String(format: "%.0f", $0) } ?? "-"
            let ratio = peerResults[row].map { String(format: "%.2f×", swift / $0) } ?? "-"
            print(
                "| \(row.shape) | \(row.blocks) | \(row.mode) | \(String(format: "%.0f", swift)) | \(torch) | \(ratio) |"
            )
        }
        print(
            String(format: "peak memory (maxrss): swift %.0f MB", swiftPeak)
                + (peerPeak.map { String(format: ", torch %.0f MB", $0) } ?? ""))
    }

    // MARK: - Measurements

    /// The fastest of `repeats` runs after a warm-up, in seconds.
    func best(_ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<max(1, self.repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// Logits at every position, no graph.
    static func forward(_ model: LlamaModel, _ tokens: [[Int]]) {
        withoutGradients { _ = model.logits(model.forward(model.embed(tokens))) }
    }

    /// Next-token cross-entropy over the full vocabulary, back-propagated to the input embeddings.
    static func forwardBackward(_ model: LlamaModel, _ tokens: [[Int]]) {
        let input = model.embed(tokens)
        input.requiresGrad = true
        let logits = model.logits(model.forward(input))
        let targets = tokens.flatMap { sequence in Array(sequence.dropFirst()) + [-100] }
        let loss = Tensor.crossEntropy(
            logits: logits.reshaped([targets.count, model.configuration.vocabularySize]), targets: targets)
        loss.backward()
    }

    func measureTokenizer(_ tokenizer: BPETokenizer) {
        guard let text = try? String(contentsOfFile: self.titles, encoding: .utf8) else {
            print("tokenizer: skipped (no catalog at \(self.titles))")
            return
        }
        let titles = text.split(separator: "\n").dropFirst().map { String($0.split(separator: "\t").last ?? "") }
        var tokens = 0
        let seconds = self.best { tokens = titles.reduce(0) { $0 + tokenizer.encode($1).count } }
        print(String(format: "tokenizer: %d titles (%d tokens) in %.3f s", titles.count, tokens, seconds))
    }

    static func peakMemoryMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    // MARK: - PyTorch peer

    func runTorch(_ model: LlamaModel) throws -> ([Row: Double], Double?) {
        let weights = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mixrec-bench-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: weights) }
        try model.writeWeights(safeTensorsPath: weights.path)
        let c = model.configuration
        let config: [String: Any] = [
            "width": c.width, "heads": c.heads, "kvHeads": c.kvHeads, "headDim": c.headDim, "blocks": c.blockCount,
            "vocabularySize": c.vocabularySize, "rmsEpsilon": Double(c.rmsEpsilon), "ropeBase": Double(c.ropeBase),
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "scripts/peers/torch_backbone.sh")
        process.arguments = [
            "--weights", weights.path, "--config",
            String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self),
            "--threads", "\(self.threads)", "--top", "\(self.top)", "--repeats", "\(self.repeats)",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("the torch peer failed with status \(process.terminationStatus)")
        }
        var results: [Row: Double] = [:]
        var peak: Double?
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                continue
            }
            if let mb = object["peakMemoryMB"] as? Double { peak = mb }
            if let shape = object["shape"] as? String, let blocks = object["blocks"] as? Int,
                let mode = object["mode"] as? String, let rate = object["tokensPerSecond"] as? Double
            {
                results[Row(shape: shape, blocks: blocks, mode: mode)] = rate
                print(String(format: "torch %@ blocks=%d %@: %.0f tokens/s", shape, blocks, mode, rate))
            }
        }
        return (results, peak)
    }
}
