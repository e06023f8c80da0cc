import ArgumentParser
import Cluster
import Foundation
import Search

/// `mixrec enqueue`: adds a hand-picked configuration that runs before the optimizer's next proposal.
struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue", abstract: "Queue a hand-picked trial configuration (a JSON object) in a study.")

    @OptionGroup var study: StudyDirectoryOption

    @Option(help: "A JSON file with one object of parameter values, e.g. {\"x\": 3.1, \"y\": 2.2}.")
    var params: String

    @Option(
        help: ArgumentHelp(
            "Run the configuration with this many seeds: one trial with the study's seed (one of the budget's) "
                + "and N−1 replicates with seeds study.seed+1, … (not counted in the budget)."))
    var seeds = 1

    func validate() throws {
        guard (1...TrialSeeding.maxSeeds).contains(self.seeds) else {
            throw ValidationError("--seeds must be from 1 to \(TrialSeeding.maxSeeds)")
        }
    }

    func run() throws {
        let text = try String(contentsOfFile: self.params, encoding: .utf8)
        let parameters: Configuration
        do {
            parameters = try Configuration(json: text)
        } catch {
            throw ValidationError("\(self.params) is not a JSON object of numbers and strings.")
        }
        try self.study.submit(.enqueue(parameters, seeds: self.seeds))
        print(
            "queued \(parameters.canonicalJSON) with \(self.seeds) seed(s) for the coordinator of \(self.study.studyDir) "
                + "(it checks the values against the search space; a refusal is logged as enqueue.refused)")
    }
}
