import ArgumentParser
import Foundation
import MixRec
import Tensor

/// `mixrec-bench mixrec`: the cost of one MixRec training step with span-state reuse and cached text states
/// against the plain masked pass (every token of every window through every block) on the same batch.
struct MixRecStepBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixrec",
        abstract: "Time a MixRec training step: span reuse + text caching vs the plain masked pass.")

    @Option(help: "Training config (default: the built-in synthetic config).")
    var config: String?

    @Option(name: .customLong("set"), help: "Override a config key (repeatable).")
    var overrides: [String] = []

    @Option(help: "Timed repetitions per path (after one warm-up); medians are reported.")
    var repeats = 3

    @Option(help: "BLAS threads.")
    var threads = 2

    @Option(help: "The paths to time: span-reuse, dense (repeatable; default both).")
    var path: [ForwardPath] = ForwardPath.allCases

    @Flag(
        help: ArgumentHelp(
            "Time the trainer's whole gradient work of a step instead (`train.batch_chunks` chunks, or one unit)",
            discussion:
                "Compare --set train.batch_chunks=0 (one unit) with the chunk count of a world-size-invariant run."))
    var trainerStep = false

    func run() throws {
        BLASRuntime.setThreads(self.threads)
        let config = try MixRecConfig.load(path: self.config, overrides: self.overrides)
        let start = Date()
        let trainer = try MixRecTrainer(
            config: config,
            workspace: MixRecWorkspace(
                textStateDirectory: MixRecWorkspace.defaultTextStateDirectory, log: { print("  \($0)") }))
        print(
            String(format: "model ready in %.1f s (text states once per run included)", Date().timeIntervalSince(start))
        )
        print(
            "batch: "
                + (self.trainerStep
                    ? "epoch 0's batches of \(config.training.batchUsers) users in turn, "
                    : "first \(config.training.batchUsers) users of epoch 0, ") + "L = \(config.data.maximumHistory), "
                + "T = \(config.data.itemTokens), seq_view = \(config.model.sequenceView.rawValue), "
                + "layers \(config.backbone.layers), first adapted layer \(trainer.model.firstAdaptedLayer)")
        if self.trainerStep { return try self.timeTrainerStep(trainer, chunks: config.training.batchChunks) }
        // CPU ms (this process, every thread) beside wall ms: on a loaded machine the CPU time is the step's cost.
        print("path          forward ms   backward ms   step ms   step CPU ms   loss")
        var medians: [ForwardPath: Double] = [:]
        for path in self.path {
            var forwards: [Double] = []
            var backwards: [Double] = []
            var cpu: [Double] = []
            var loss: Float = 0
            for run in 0...self.repeats {
                let cpu0 = ClusterRanks.processCPUSeconds()
                let t0 = Date()
                let result = trainer.batchLoss(path: path)
                let t1 = Date()
                result.total.backward()
                let t2 = Date()
                trainer.zeroGradients()
                loss = result.total.item
                if run > 0 {
                    forwards.append(t1.timeIntervalSince(t0) * 1000)
                    backwards.append(t2.timeIntervalSince(t1) * 1000)
                    cpu.append((ClusterRanks.processCPUSeconds() - cpu0) * 1000)
                }
            }
            let (forward, backward) = (Self.median(forwards), Self.median(backwards))
            medians[path] = forward + backward
            print(
                path.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(
                        format: "%10.1f   %11.1f   %7.1f   %11.1f   %.5f", forward, backward, forward + backward,
                        Self.median(cpu), loss))
        }
        if let reuse = medians[.spanReuse], let dense = medians[.dense], reuse > 0 {
            print(
                String(format: "speed-up of span reuse + text caching over the plain masked pass: %.1fx", dense / reuse)
            )
        }
    }

    /// Times ``MixRecTrainer/stepGradients(epoch:batch:)`` (forward, backward and the exact chunk sum when chunked).
    /// Steps through epoch 0's batches in order, as training does (their shapes differ, so buffer reuse is tested
    /// as in a run), one untimed warm-up batch first; reports medians, the buffers the pool had to allocate and the
    /// page faults (first touches of fresh memory) per step.
    private func timeTrainerStep(_ trainer: MixRecTrainer, chunks: Int) throws {
        var walls: [Double] = []
        var cpu: [Double] = []
        var losses: [Double] = []
        var fresh = 0
        var faults = 0
        for run in 0...self.repeats {
            let pool = BufferPool.shared.statistics.freshAllocations
            let faults0 = ClusterRanks.processMinorFaults()
            let cpu0 = ClusterRanks.processCPUSeconds()
            let t0 = Date()
            let loss = try trainer.stepGradients(batch: run)
            let wall = Date().timeIntervalSince(t0) * 1000
            trainer.zeroGradients()
            if run > 0 {
                walls.append(wall)
                cpu.append((ClusterRanks.processCPUSeconds() - cpu0) * 1000)
                losses.append(loss)
                fresh += BufferPool.shared.statistics.freshAllocations - pool
                faults += ClusterRanks.processMinorFaults() - faults0
            }
        }
        print(
            String(
                format:
                    "trainer step gradients, batch_chunks %d: step ms %.1f (median of batches 1-%d), step CPU ms %.1f, "
                    + "per step: %.1f fresh buffers, %.0f page faults; mean loss %.5f",
                chunks, Self.median(walls), walls.count, Self.median(cpu), Double(fresh) / Double(max(walls.count, 1)),
                Double(faults) / Double(max(walls.count, 1)), losses.reduce(0, +) / Double(max(losses.count, 1))))
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

extension ForwardPath: ExpressibleByArgument {}
