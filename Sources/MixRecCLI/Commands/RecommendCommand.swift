import ArgumentParser
import Foundation
import MixRec

/// `mixrec recommend`: a user's recent history and the top-k next items of a trained run.
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Print a user's recent history and the items a trained run recommends next, with their titles.")

    @Option(help: "The run folder written by `mixrec train`.")
    var checkpoint: String

    @Option(help: "The user's id as it appears in the dataset files.")
    var user: String

    @Option(name: .shortAndLong, help: "How many items to recommend.")
    var k = 10

    @Option(help: "How many of the user's most recent items to show.")
    var history = 10

    @Option(name: .customLong("set"), help: "Override a key of the run's config, e.g. --set data.path=DIR.")
    var overrides: [String] = []

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard self.k >= 1 else { throw ValidationError("-k must be at least 1") }
    }

    func run() throws {
        self.runtime.apply()
        let run = try TrainedRun(folder: self.checkpoint, overrides: self.overrides)
        let dataset = run.data.dataset
        guard let user = dataset.userIDs.firstIndex(of: self.user) else {
            throw ValidationError(
                "no user \(self.user) in the dataset (ids look like \(dataset.userIDs.prefix(3).joined(separator: ", ")))"
            )
        }
        let items = dataset.sequences[user].map { Int($0) }
        print("user \(self.user): \(items.count) items; the most recent:")
        for item in items.suffix(self.history) { print("  \(Self.describe(item, dataset.itemIDs, dataset.itemTexts))") }
        print("top \(self.k) next:")
        for (rank, entry) in run.model.recommend(history: items, k: self.k, excluding: Set(items)).enumerated() {
            print(
                String(format: "%3d. %7.3f  ", rank + 1, entry.score)
                    + Self.describe(entry.item, dataset.itemIDs, dataset.itemTexts))
        }
    }

    private static func describe(_ item: Int, _ ids: [String], _ texts: [String]) -> String {
        "[\(ids[item])] \(texts[item].isEmpty ? "(no text)" : texts[item])"
    }
}
