import ArgumentParser
import Cluster
import Foundation

/// `mixrec enqueue`: adds a hand-picked configuration that runs before the optimizer's next proposal.
struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue", abstract: "Queue a hand-picked trial configuration (a JSON object) in a study.")

    @OptionGroup var study: StudyDirectoryOption

    @Option(help: "A JSON file with one object of parameter values, e.g. {\"x\": 3.1, \"y\": 2.2}.")
    var params: String

    func run() throws {
        let text = try String(contentsOfFile: self.params, encoding: .utf8)
        let parameters: TrialParameters
        do {
            parameters = try TrialParameters.parse(json: text)
        } catch {
            throw ValidationError("\(self.params) is not a JSON object of numbers, strings and booleans.")
        }
        try self.study.submit(.enqueue(parameters))
        print("queued \(parameters.canonicalJSON()) for the coordinator of \(self.study.studyDir)")
    }
}
