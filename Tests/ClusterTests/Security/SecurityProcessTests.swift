import Cluster
import Foundation
import Testing
import ZeroMQ

/// `mixrec coordinator` and `mixrec worker` with their CURVE and peer options, as real processes on 127.0.0.1.
@Suite(
    .serialized,
    .enabled(if: MixRecBinary.available, "needs .build/debug/mixrec: run `swift build --product mixrec` first"),
    .enabled(if: ZMQCurve.isAvailable, "libzmq was built without CURVE"))
struct SecurityProcessTests {
    /// Writes key pairs `names` into `study`'s `keys/` folder and an allow-list of `allowed`; returns the folder.
    private func writeKeys(_ study: LocalStudy, names: [String], allowed: [String]) throws -> String {
        let folder = study.directory.url.appendingPathComponent("keys").path
        var publicKeys: [String: String] = [:]
        for name in names {
            let keys = try CurveKeyPair.generate()
            try CurveKeyFiles.write(keys, directory: folder, name: name)
            publicKeys[name] = keys.publicKey
        }
        let allowList = "# test workers\n" + allowed.compactMap { publicKeys[$0] }.joined(separator: "\n") + "\n"
        try allowList.write(toFile: "\(folder)/allow", atomically: true, encoding: .utf8)
        return folder
    }

    private func worker(_ id: String, keys: String, study: LocalStudy) throws -> MixRecProcess {
        try MixRecProcess(
            [
                "worker", "--connect", study.endpoint, "--id", id, "--epoch-seconds", "0.2", "--peer-endpoint",
                "tcp://127.0.0.1:\(MixRecBinary.freePort())", "--peer-timeout", "0.8", "--curve-keys", "\(keys)/\(id)",
                "--curve-server-key", "\(keys)/coordinator.public",
            ], log: study.log(id))
    }

    @Test("a CURVE study on groups of two trains on the allow-listed workers; an unknown key never registers")
    func curveGroupStudy() throws {
        let study = try LocalStudy(budget: 2, epochs: 2, groupSize: 2)
        let keys = try self.writeKeys(
            study, names: ["coordinator", "ring", "w1", "w2", "intruder"], allowed: ["w1", "w2"])
        let coordinator = try MixRecProcess(
            [
                "coordinator", "--config", study.configPath, "--study-dir", study.directory.url.path, "--bind",
                study.endpoint, "--curve-keys", "\(keys)/coordinator", "--curve-allow", "\(keys)/allow",
            ], log: study.log("coordinator"))
        let intruder = try self.worker("intruder", keys: keys, study: study)
        let workers = try ["w1", "w2"].map { try self.worker($0, keys: keys, study: study) }
        defer { ([intruder] + workers).forEach { $0.kill() } }

        #expect(coordinator.exitStatus(within: 90) == 0, "\(coordinator.output)")
        let status = try #require(study.status())
        #expect(status.trials.count == 2)
        for trial in status.trials {
            #expect(trial.state == .complete)
            #expect(Set(trial.workers) == ["w1", "w2"], "trial \(trial.id) ran data-parallel on both workers")
            #expect(trial.metrics[SyntheticTrialRunner.metric] != nil && trial.metrics["valid/loss"] != nil)
        }
        #expect(!status.workers.contains { $0.id == "intruder" }, "the intruder never registered")
    }

    @Test("SIGHUP rereads the allow-list: a bad file keeps it, a removed key's worker is lost and told to stop")
    func hangUpRevokesAKey() throws {
        let study = try LocalStudy(budget: 4, epochs: 3)
        let keys = try self.writeKeys(study, names: ["coordinator", "ring", "w1", "w2"], allowed: [])
        let publicKey = { (name: String) in try CurveKeyFiles.publicKey(at: "\(keys)/\(name).public") }
        let allow = "\(keys)/allow"
        try "\(try publicKey("w1")) worker=w1\n\(try publicKey("w2")) worker=w2\n".write(
            toFile: allow, atomically: true, encoding: .utf8)
        let coordinator = try MixRecProcess(
            [
                "coordinator", "--config", study.configPath, "--study-dir", study.directory.url.path, "--bind",
                study.endpoint, "--curve-keys", "\(keys)/coordinator", "--curve-allow", allow,
            ], log: study.log("coordinator"))
        let w1 = try MixRecProcess(
            [
                "worker", "--connect", study.endpoint, "--id", "w1", "--epoch-seconds", "1", "--curve-keys",
                "\(keys)/w1", "--curve-server-key", "\(keys)/coordinator.public",
            ], log: study.log("w1"))
        defer { [coordinator, w1].forEach { $0.kill() } }
        #expect(study.wait(seconds: 30) { $0.trials.contains { $0.state == .running && $0.workers == ["w1"] } })
        let pid = coordinator.process.processIdentifier

        // A broken file changes nothing: w1 keeps working.
        try "not-a-key worker=w1\n".write(toFile: allow, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        let logged = ContinuousClock.now + .seconds(10)
        while !coordinator.output.contains("could not reload") && ContinuousClock.now < logged {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(coordinator.process.isRunning)
        #expect(coordinator.output.contains("could not reload the CURVE allow-list; the previous one stays in force"))
        #expect(w1.process.isRunning)

        // w1's key removed: it is told to stop and lost; w2 finishes the study.
        try "\(try publicKey("w2")) worker=w2\n".write(toFile: allow, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        #expect(w1.exitStatus(within: 20) != nil, "w1 stops on the coordinator's Shutdown")
        let w2 = try MixRecProcess(
            [
                "worker", "--connect", study.endpoint, "--id", "w2", "--epoch-seconds", "0.05", "--curve-keys",
                "\(keys)/w2", "--curve-server-key", "\(keys)/coordinator.public",
            ], log: study.log("w2"))
        defer { w2.kill() }
        #expect(coordinator.exitStatus(within: 90) == 0, "\(coordinator.output)")
        #expect(coordinator.output.contains("reloaded the CURVE allow-list"))
        #expect(coordinator.output.contains("revoked a worker"))
        let status = try #require(study.status())
        #expect(status.trials.count == 4 && status.trials.allSatisfy { $0.state == .complete })
        #expect(status.workers.first { $0.id == "w1" }?.status == .dead)
        let resumed = status.trials.filter { $0.failureReasons.contains { $0.contains("CURVE key revoked") } }
        #expect(resumed.count == 1 && resumed[0].workers == ["w2"], "w1's run ended as a lost worker's, w2 resumed it")
    }

    @Test("missing or empty key files stop the commands before they start, naming the file")
    func badKeyFiles() throws {
        let study = try LocalStudy(budget: 1, epochs: 1)
        let keys = try self.writeKeys(study, names: ["coordinator", "w1"], allowed: [])
        let cases: [(arguments: [String], message: String)] = [
            (
                [
                    "coordinator", "--config", study.configPath, "--study-dir", study.directory.url.path,
                    "--curve-keys", "\(keys)/coordinator", "--curve-allow", "\(keys)/allow",
                ], "\(keys)/allow holds no CURVE public key"
            ),
            (
                [
                    "coordinator", "--config", study.configPath, "--study-dir", study.directory.url.path,
                    "--curve-keys", "\(keys)/nobody", "--curve-allow", "\(keys)/allow",
                ], "cannot read key file \(keys)/nobody.public"
            ),
            (
                [
                    "worker", "--connect", study.endpoint, "--curve-keys", "\(keys)/w1", "--curve-server-key",
                    "\(keys)/coordinator.public",
                ], "cannot read key file \(keys)/ring.public"
            ),
            (["worker", "--connect", study.endpoint, "--curve-keys", keys], "--curve-server-key go together"),
        ]
        for (index, (arguments, message)) in cases.enumerated() {
            let process = try MixRecProcess(arguments, log: study.log("bad-\(index)"))
            let status = process.exitStatus(within: 20)
            #expect(status != nil && status != 0, "\(arguments)")
            #expect(process.output.contains(message), "\(process.output)")
        }
    }
}
