import ArgumentParser
import Foundation
import RecData

/// `mixrec-bench recdata`: dataset reading, preparation, full ranking and hard-negative mining speeds.
struct RecDataBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recdata",
        abstract: "RecData speeds: reading ML-1M (against a String-splitting baseline), full ranking, hard negatives."
    )

    @Option(help: "The shared data folder (holds ml-1m-subset and amazon-beauty).")
    var data = "../shared/data"

    @Option(help: "Repetitions; the fastest is reported.")
    var repeats = 3

    func run() throws {
        let ml1m = self.data + "/ml-1m-subset"
        let read = try self.fastest { _ = try DatasetLoader.load(format: .movieLens1M, folder: ml1m) }
        let baseline = try self.fastest { _ = try Self.stringSplittingRead(ml1m + "/ratings.dat") }
        print(String(format: "read ml-1m-subset (487,650 ratings + movies): %.3f s", read))
        print(
            String(
                format: "  baseline String.split reader of ratings.dat alone: %.3f s (%.1fx slower)", baseline,
                baseline / read))
        let raw = try DatasetLoader.load(format: .movieLens1M, folder: ml1m).raw
        let prepare = try self.fastest { _ = SequentialDataset.prepare(raw) }
        print(String(format: "prepare ml-1m-subset (order, re-index): %.3f s", prepare))

        let beauty = SequentialDataset.prepare(
            try DatasetLoader.load(format: .amazon, folder: self.data + "/amazon-beauty").raw)
        let split = LeaveOneOutSplit(beauty)
        let mining = try self.fastest {
            _ = HardNegativeMiner(count: 20).mine(
                itemTexts: beauty.itemTexts, trainingSequences: split.trainingSequences)
        }
        print(String(format: "hard negatives (m = 20) for amazon-beauty's 12,101 items: %.3f s", mining))

        let (itemCount, users) = (12_000, 1_000)
        var random = SeededRandom(seed: 1)
        let scores = (0..<(itemCount * users)).map { _ in Float(random.nextUnit()) }
        let cases = (0..<users).map { user in
            EvaluationCase(
                user: Int32(user), history: ArraySlice((0..<20).map { _ in Int32(random.nextInt(below: itemCount)) }),
                target: Int32(random.nextInt(below: itemCount)))
        }
        let ranking = try self.fastest {
            var ranker = TargetRanker(itemCount: itemCount)
            var metrics = RankingMetrics()
            scores.withUnsafeBufferPointer { ranker.accumulate(scores: $0, cases: cases, into: &metrics) }
        }
        print(String(format: "full ranking, 12,000 items x 1,000 users, history excluded: %.4f s", ranking))
    }

    private func fastest(_ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, self.repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// The baseline: one `String` per line, `split(separator: "::")` and `Int(_:)` per field.
    private static func stringSplittingRead(_ path: String) throws -> Int {
        let text = try String(contentsOfFile: path, encoding: .isoLatin1)
        var users: [Int: Int] = [:]
        var items: [Int: Int] = [:]
        var rows: [(Int, Int, Int)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "::")
            guard fields.count == 4, let user = Int(fields[0]), let item = Int(fields[1]),
                let time = Int(fields[3].trimmingCharacters(in: .whitespaces))
            else { continue }
            let userIndex = users[user, default: users.count]
            users[user] = userIndex
            let itemIndex = items[item, default: items.count]
            items[item] = itemIndex
            rows.append((userIndex, itemIndex, time))
        }
        return rows.count
    }
}
