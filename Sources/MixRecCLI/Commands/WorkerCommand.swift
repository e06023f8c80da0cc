import ArgumentParser
import Backbone
import Cluster
import Foundation
import Logging
import MixRec
import MixRecTrials
import ZeroMQ

/// `mixrec worker`: registers with a coordinator, trains the trials it is assigned, heartbeats meanwhile.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Train trials for a coordinator until it says the study is finished.")

    @Option(help: "The coordinator's ZeroMQ endpoint.")
    var connect: String

    @OptionGroup var runtime: RuntimeOptions

    @OptionGroup var textCache: TextCacheOptions

    @Option(help: "Folder of cached datasets and models (reported to the coordinator).")
    var cache: String?

    @Option(
        help: ArgumentHelp(
            "Folder of collaborative warm starts kept across trials and restarts, or 'none' to keep them in memory only.",
            valueName: "dir"))
    var warmStarts = (LlamaModel.mixrecHome as NSString).appendingPathComponent("warm-starts")

    @Option(help: "This worker's stable name (default: host-pid).")
    var id: String?

    @Option(help: "Seconds each epoch of a synthetic trial takes.")
    var epochSeconds = 0.2

    @Option(help: "Noise on the synthetic first epoch's value (halving every epoch).")
    var noise = 0.05

    @Option(
        help: ArgumentHelp(
            "The largest checkpoint, in MiB, this worker uploads or accepts (1-4096); keep it equal to the study's "
                + "study.max_checkpoint_mib. A larger checkpoint is not uploaded, with an error in the log.",
            valueName: "mib"))
    var maxCheckpointMib = WireLimits.defaultMaxBlobBytes >> 20

    @OptionGroup var peers: WorkerPeerOptions

    @OptionGroup var logging: LoggingOptions

    @OptionGroup var chaos: ChaosOptions

    func validate() throws {
        guard self.epochSeconds >= 0, self.noise >= 0 else {
            throw ValidationError("--epoch-seconds and --noise must not be negative.")
        }
        guard StudyConfig.maxCheckpointMiB.contains(self.maxCheckpointMib) else {
            throw ValidationError("--max-checkpoint-mib must be 1 to 4096, not \(self.maxCheckpointMib).")
        }
    }

    func run() throws {
        self.logging.bootstrap()
        self.runtime.apply()
        let host = ProcessInfo.processInfo.hostName
        var settings = WorkerSettings(
            coordinatorEndpoint: self.connect,
            workerID: self.id ?? "\(host)-\(ProcessInfo.processInfo.processIdentifier)")
        settings.cores = self.runtime.threads ?? ProcessInfo.processInfo.activeProcessorCount
        settings.limits.maxBlobBytes = self.maxCheckpointMib << 20
        if let cache = self.cache {
            settings.cachedDatasets = (try? FileManager.default.contentsOfDirectory(atPath: cache).sorted()) ?? []
        }
        let context = try ZMQContext()
        settings.peerEndpoint = self.peers.peerEndpoint ?? ""
        settings.peerTimeout = self.peers.peerTimeoutDuration
        settings.curve = try self.peers.curve()?.control
        settings.sendFilter = try self.chaos.dropper()
        let (links, ringGuard) = try self.peers.links(in: context)
        defer { ringGuard?.stop() }
        let logger = Logger(label: "mixrec.worker")
        // One runner for each of `TrialKinds.cli`.
        let runner = TaskTrialRunner([
            SyntheticTrialKind.name: SyntheticWorkerRunner(
                noise: self.noise, epochSeconds: self.epochSeconds, ring: self.peers.peerEndpoint == nil ? nil : links),
            MixRecTrialKind.name: MixRecTrialRunner(
                workspace: self.textCache.workspace(
                    warmStartDirectory: self.warmStarts == "none" ? nil : self.warmStarts, log: { logger.info("\($0)") }
                ),
                links: links, log: { logger.info("\($0)") }),
        ])
        let signals = SignalStop()
        let service = try WorkerService(context: context, settings: settings, runner: runner, logger: logger)
        service.onProgress = WorkerProgressDisplay(logger: logger).show
        try service.run(until: signals.signal)
    }
}
