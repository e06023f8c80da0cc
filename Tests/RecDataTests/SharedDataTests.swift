import TestKit
import Testing

@testable import RecData

// MARK: - The shared datasets (skipped when ../shared/data is absent)

@Suite(.enabled(if: SharedData.available, "needs ../shared/data next to the repository"))
struct SharedDataTests {
    @Test func movieLens100KMatchesItsReadme() throws {
        let loaded = try DatasetLoader.load(format: .auto, folder: SharedData.dataPath("ml-100k"))
        let report = loaded.report
        #expect(report.format == .movieLens100K)
        #expect(report.userCount == 943 && report.itemCount == 1682 && report.interactionCount == 100_000)
        #expect(report.itemsWithoutText == 0 && report.skippedRowCount == 0)
        let dataset = SequentialDataset.prepare(loaded.raw)
        #expect(dataset.userCount == 943 && dataset.itemCount == 1682)
        #expect(dataset.itemTexts[0] == "title: Toy Story (1995); genres: Animation, Children's, Comedy")
        #expect(dataset.itemTexts[542].hasPrefix("title: Misérables, Les (1995)"))
        let times = Self.timesByUser(loaded.raw)
        for (user, original) in dataset.userIDs.enumerated() {
            let rawUser = try #require(loaded.raw.users.index(of: original))
            let ordered = times[Int(rawUser)].sorted { $0.time != $1.time ? $0.time < $1.time : $0.order < $1.order }
            #expect(ordered.map { dataset.itemIDs.firstIndex(of: $0.item) } == dataset.sequences[user].map { Int($0) })
            if user >= 20 { break }
        }
    }

    @Test func recBoleCopyOfMovieLens100KGivesTheSameSequences() throws {
        let direct = SequentialDataset.prepare(
            try DatasetLoader.load(format: .movieLens100K, folder: SharedData.dataPath("ml-100k")).raw)
        let recbole = try DatasetLoader.load(format: .auto, folder: SharedData.dataPath("ml-100k/recbole-atomic"))
        #expect(recbole.report.format == .recbole)
        let dataset = SequentialDataset.prepare(recbole.raw)
        #expect(dataset.sequences == direct.sequences)
        #expect(
            dataset.itemTexts[0] == "movie_title: Toy Story; release_year: 1995; class: Animation Children's Comedy")
    }

    @Test func amazonBeautyMatchesItsReadme() throws {
        let loaded = try DatasetLoader.load(format: .auto, folder: SharedData.dataPath("amazon-beauty"))
        let report = loaded.report
        #expect(report.format == .amazon)
        #expect(report.userCount == 22_363 && report.itemCount == 12_101 && report.interactionCount == 198_502)
        #expect(report.itemsWithoutText == 7)
        let dataset = SequentialDataset.prepare(loaded.raw)
        #expect(dataset.userCount == 22_363 && dataset.itemCount == 12_101)
        #expect(dataset.sequences.map(\.count).min() == 5 && dataset.sequences.map(\.count).max() == 204)
        #expect(dataset.sequences[0] == [0, 1, 2, 3, 4])
        #expect(dataset.itemTexts[0] == "title: OPI Nail Lacquer, Simmer and Shimmer, 0.5-Fluid Ounce")
    }

    @Test func movieLens1MSubsetMatchesItsReadme() throws {
        let loaded = try DatasetLoader.load(format: .auto, folder: SharedData.dataPath("ml-1m-subset"))
        let report = loaded.report
        #expect(report.format == .movieLens1M)
        #expect(report.userCount == 2999 && report.interactionCount == 487_650)
        #expect(report.itemCount == 3615 && report.describedItemCount == 3883)
        let item = try #require(loaded.raw.items.index(of: "73"))
        #expect(
            ItemTextFormatter().text(for: loaded.raw.attributes[Int(item)])
                == "title: Misérables, Les (1995); genres: Drama, Musical")
    }

    /// Each raw user's (time, file position, original item id).
    static func timesByUser(_ raw: RawDataset) -> [[(time: Double, order: Int, item: String)]] {
        var result = [[(time: Double, order: Int, item: String)]](repeating: [], count: raw.users.count)
        for (order, interaction) in raw.interactions.enumerated() {
            result[Int(interaction.user)].append((interaction.time, order, raw.items.names[Int(interaction.item)]))
        }
        return result
    }
}
