import ArgumentParser
import Cluster

/// `mixrec cancel`: stops one trial for good.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a trial of a running study (it is not retried).")

    @OptionGroup var study: StudyDirectoryOption

    @Option(help: "The trial's id (see mixrec status).")
    var trial: UInt64

    @Option(help: "Why, for the study's event log.")
    var reason = "cancelled by the operator"

    func run() throws {
        try self.study.submit(.cancel(trial: self.trial, reason: self.reason))
        print("asked the coordinator of \(self.study.studyDir) to cancel trial \(self.trial)")
    }
}
