import ArgumentParser
import Cluster
import Foundation

/// `mixrec status`: the trials, the best one and the workers of a study (safe while the coordinator runs).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a study's trials, best trial and workers.")

    @OptionGroup var study: StudyDirectoryOption

    @Flag(help: "Print one JSON object (the stable shape documented in README.md) instead of the table.")
    var json = false

    @Flag(help: "Print again every 2 seconds until the study is no longer running (Ctrl-C ends it too).")
    var watch = false

    func run() throws {
        let store = try self.study.openReadOnly()
        while true {
            let config = try store.study()?.configJSON ?? ""
            let status = try StudyStatus.load(
                from: store, objective: StudyConfig.metric(inCanonicalText: config) ?? "valid/ndcg@10",
                maximize: StudyConfig.maximizes(inCanonicalText: config))
            print(self.json ? status.json() : status.table())
            guard self.watch, status.study?.state == .running else { return }
            print("")
            Thread.sleep(forTimeInterval: 2)
        }
    }
}
