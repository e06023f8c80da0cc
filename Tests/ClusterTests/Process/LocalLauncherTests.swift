import Cluster
import Foundation
import Testing

/// `cluster/local`, the launcher of studies on this machine, run as it is (bash) on the debug `mixrec`.
@Suite(.enabled(if: MixRecBinary.available, "needs .build/debug/mixrec: run `swift build --product mixrec` first"))
struct LocalLauncherTests {
    @Test func itsWorkersGetPeerEndpointsSoAStudyOnGroupsOfTwoTrainsDataParallel() throws {
        let study = try LocalStudy(budget: 2, epochs: 2, groupSize: 2)
        let binary = try #require(MixRecBinary.url)
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/bin/bash")
        launcher.arguments = [
            MixRecBinary.repositoryRoot.appendingPathComponent("cluster/local").path, "--config", study.configPath,
            "--study-dir", study.directory.url.path, "--workers", "2", "--port", "\(study.port)", "--peer-port",
            "\(MixRecBinary.freePort())", "--bin", binary.deletingLastPathComponent().path, "--", "--epoch-seconds",
            "0.1",
        ]
        let output = Pipe()
        launcher.standardOutput = output
        launcher.standardError = output
        try launcher.run()
        let deadline = Date().addingTimeInterval(120)
        while launcher.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if launcher.isRunning { launcher.terminate() }  // its trap kills the coordinator and workers
        launcher.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        #expect(launcher.terminationStatus == 0, "\(text)")
        let status = try #require(study.status())
        #expect(status.trials.map(\.state) == [.complete, .complete], "\(status.trials)")
        for trial in status.trials {
            #expect(Set(trial.workers) == ["local-1", "local-2"], "trial \(trial.id) ran on a group of both workers")
            // Only the ring runner (groups of two or more) reports the replicas' loss.
            #expect(trial.metrics[RingSyntheticTrialRunner.metric] != nil, "\(trial.metrics)")
        }
        let logs = study.directory.url.appendingPathComponent("logs")
        for worker in 1...2 {
            let log = try String(contentsOf: logs.appendingPathComponent("worker-\(worker).log"), encoding: .utf8)
            #expect(log.contains("peer_timeout=0.8 seconds"), "learned the study's busy_dead_ms of 800: \(log)")
        }
    }
}
