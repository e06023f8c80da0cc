import ArgumentParser
import Foundation
import MixRec
import MixRecTrials
import RecData

/// `mixrec recommend`: a user's recent history and the top-k next items of a trained run, or every listed user's
/// top-k written to a CSV or JSONL file.
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Print a user's recent history and the items a trained run recommends next, with their titles.",
        discussion: """
            With --users all|FILE and --out FILE.csv|FILE.jsonl it ranks every listed user (history excluded) in \
            batches, as evaluation does, and writes their top-k: CSV rows user,rank,item,score,title or one JSON \
            object per user.
            """)

    @Option(help: "The run folder written by `mixrec train` or `mixrec export`.")
    var checkpoint: String

    @Option(help: "One user's id as it appears in the dataset files (prints their history and top-k).")
    var user: String?

    @Option(help: "`all`, or a file with one user id per line: write every listed user's top-k to --out.")
    var users: String?

    @Option(help: "With --users: the file to write, FILE.csv or FILE.jsonl.")
    var out: String?

    @Option(name: .shortAndLong, help: "How many items to recommend.")
    var k = 10

    @Option(help: "With --user: how many of the user's most recent items to show.")
    var history = 10

    @Option(name: .customLong("set"), help: "Override a key of the run's config, e.g. --set data.path=DIR.")
    var overrides: [String] = []

    @OptionGroup var runtime: RuntimeOptions

    @OptionGroup var textCache: TextCacheOptions

    func validate() throws {
        guard self.k >= 1 else { throw ValidationError("-k must be at least 1") }
        switch (self.user, self.users) {
        case (.some, .some): throw ValidationError("give --user ID or --users all|FILE, not both")
        case (nil, nil): throw ValidationError("give --user ID (one user) or --users all|FILE with --out FILE")
        case (.some, nil):
            guard self.out == nil else { throw ValidationError("--out goes with --users; --user prints") }
        case (nil, .some):
            guard let out = self.out else { throw ValidationError("--users needs --out FILE.csv or FILE.jsonl") }
            guard RecommendationFormat(path: out) != nil else {
                throw ValidationError("--out \(out): the file must end in .csv or .jsonl")
            }
        }
    }

    func run() throws {
        self.runtime.apply()
        let listed = try self.users.flatMap(Self.userIDs)
        let run = try TrainedRun(
            folder: self.checkpoint, overrides: self.overrides,
            workspace: self.textCache.workspace(log: { Console.note($0) }))
        let dataset = run.data.dataset
        if let user = self.user {
            let items = dataset.sequences[try dataset.users(withIDs: [user])[0]].map { Int($0) }
            print("user \(user): \(items.count) items; the most recent:")
            for item in items.suffix(self.history) { print("  \(Self.describe(item, dataset))") }
            print("top \(self.k) next:")
            for (rank, entry) in run.model.recommend(history: items, k: self.k, excluding: Set(items)).enumerated() {
                print(String(format: "%3d. %7.3f  ", rank + 1, entry.score) + Self.describe(entry.item, dataset))
            }
        } else if let out = self.out, let format = RecommendationFormat(path: out) {
            let users = try listed.map { try dataset.users(withIDs: $0) } ?? Array(dataset.userIDs.indices)
            let bar = ProgressBar("ranking users", total: users.count, unit: "users")
            let ranked = UserRecommendations.rank(users, of: dataset, model: run.model, k: self.k) { bar.update($0) }
            bar.finish()
            try (format.header + ranked.map(format.lines).joined()).write(
                toFile: out, atomically: true, encoding: .utf8)
            print("wrote the top \(self.k) of \(ranked.count) users to \(out)")
        }
    }

    /// The ids listed by `--users`: nil for `all`, else the file's non-empty lines.
    private static func userIDs(_ users: String) throws -> [String]? {
        guard users != "all" else { return nil }
        let text: String
        do { text = try String(contentsOfFile: users, encoding: .utf8) } catch {
            throw CommandFailure("--users \(users): cannot read the file (\(error.localizedDescription))")
        }
        let ids = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !ids.isEmpty else { throw CommandFailure("--users \(users): the file lists no user ids") }
        return ids
    }

    private static func describe(_ item: Int, _ dataset: SequentialDataset) -> String {
        "[\(dataset.itemIDs[item])] \(dataset.itemTexts[item].isEmpty ? "(no text)" : dataset.itemTexts[item])"
    }
}
