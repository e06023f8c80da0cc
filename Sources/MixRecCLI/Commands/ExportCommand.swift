import ArgumentParser
import Cluster
import Foundation
import MixRec
import MixRecTrials

/// `mixrec export`: a study's trial as a run folder that `mixrec evaluate` and `mixrec recommend` load.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Turn a study's trial into a run folder (config.yaml, model.mixrec) for evaluate and recommend.",
        discussion: """
            The folder gets the trial's full training config (the study's training config with its objective.set \
            overrides, the trial's values, the study's epochs and the trial's seed) and the parameters of the best \
            epoch of its newest stored checkpoint. Without a usable checkpoint it writes the config alone and \
            prints the `mixrec train` command that re-trains the trial. The study database is opened read-only.
            """)

    @OptionGroup var study: StudyDirectoryOption

    @Option(help: "The trial's id, or `best`: the best COMPLETE trial by the study's objective.")
    var trial = "best"

    @Option(help: "The run folder to write.")
    var out: String

    @Flag(help: "Replace the run files of a non-empty --out folder.")
    var force = false

    func validate() throws {
        guard self.trial == "best" || UInt64(self.trial) != nil else {
            throw ValidationError("--trial must be a trial id or `best`, not \(self.trial)")
        }
    }

    func run() throws {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: self.out)) ?? []
        guard self.force || contents.isEmpty else {
            throw CommandFailure("\(self.out) is not empty; use --force to replace its run files, or another --out")
        }
        let store = try self.study.openReadOnly()
        let choice = UInt64(self.trial).map(TrialChoice.id) ?? .best
        let export = try TrialExport.export(from: store, choice: choice, to: RunDirectory(self.out))
        print("trial \(export.trial) (\(export.state.rawValue)): \(export.params)")
        if let metrics = export.finalMetrics {
            print(metrics.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        let epochs = "\(export.checkpointEpochs) epoch(s) in its newest checkpoint"
        print(
            export.epoch == 0
                ? "parameters of epoch 0: the collaborative warm start, which none of the \(epochs) beat on validation"
                : "parameters of epoch \(export.epoch): the best on validation of the \(epochs)")
        print("wrote \(self.out): evaluate with `mixrec evaluate --checkpoint \(self.out)`")
    }
}
