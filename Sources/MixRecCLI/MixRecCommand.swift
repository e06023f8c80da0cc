import ArgumentParser
import Tensor

/// The `mixrec` command: trains and tunes LLM-based sequential recommenders across processes and machines.
@main
struct MixRecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixrec",
        abstract: "Train and tune MixRec, an LLM-based sequential recommender, on one machine or many.",
        version: MixRecVersion.string,
        subcommands: [
            InfoCommand.self, GenerateCommand.self, SearchCommand.self, CoordinatorCommand.self, WorkerCommand.self,
            StatusCommand.self, EnqueueCommand.self, CancelCommand.self, StopCommand.self, ReportCommand.self,
            KeysCommand.self, TrainCommand.self, EvaluateCommand.self, RecommendCommand.self, ServeCommand.self,
            ExportCommand.self,
        ]
    )
}
