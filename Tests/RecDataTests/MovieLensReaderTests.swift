import Foundation
import TestKit
import Testing

@testable import RecData

// MARK: - MovieLens 100K, 1M and CSV readers

struct MovieLensReaderTests {
    /// Latin-1 bytes for "Café" (é = 0xE9), as in u.item and movies.dat.
    static let latin1Cafe: [UInt8] = Array("Caf".utf8) + [0xE9]

    static func writeML100K(_ folder: ScratchFolder, extraData: String = "") throws {
        try folder.write("u.data", "1\t10\t5\t300\n1\t20\t3\t100\n2\t10\t4\t50\n" + extraData)
        try folder.write("u.genre", "unknown|0\nAction|1\nDrama|2\n\n")
        let flags = "|0|1|1"
        var item = Array("10|".utf8) + Self.latin1Cafe + Array(" (1995)|01-Jan-1995||http://x\(flags)\n".utf8)
        item += Array("20|Heat (1995)|01-Jan-1995||http://y|0|0|0\n".utf8)
        try folder.write("u.item", bytes: item)
    }

    @Test func readsMovieLens100KWithLatin1TitlesAndGenres() throws {
        let folder = try ScratchFolder()
        try Self.writeML100K(folder)
        let loaded = try DatasetLoader.load(format: .movieLens100K, folder: folder.path)
        #expect(loaded.report.userCount == 2)
        #expect(loaded.report.itemCount == 2)
        #expect(loaded.report.interactionCount == 3)
        #expect(loaded.report.itemsWithoutText == 0)
        let raw = loaded.raw
        let cafe = try #require(raw.items.index(of: "10"))
        let formatter = ItemTextFormatter()
        #expect(formatter.text(for: raw.attributes[Int(cafe)]) == "title: Café (1995); genres: Action, Drama")
        let heat = try #require(raw.items.index(of: "20"))
        #expect(formatter.text(for: raw.attributes[Int(heat)]) == "title: Heat (1995)")
        #expect(raw.attributes[Int(cafe)].contains { $0.key == "IMDb URL" && $0.kind == .url })
        #expect(raw.interactions[1] == RawInteraction(user: 0, item: heat, time: 100))
    }

    @Test func malformedRowsFailWithFileAndLineOrAreSkippedAndCounted() throws {
        let folder = try ScratchFolder()
        try Self.writeML100K(folder, extraData: "3\t10\tfive\t1\n3\t20\n")
        #expect(
            throws: DataReadError.malformedRow(MalformedRow(file: "u.data", line: 4, reason: "rating is not a number"))
        ) {
            try DatasetLoader.load(format: .movieLens100K, folder: folder.path, malformedRows: .fail)
        }
        let loaded = try DatasetLoader.load(format: .movieLens100K, folder: folder.path, malformedRows: .skip)
        #expect(loaded.report.skippedRowCount == 2)
        #expect(loaded.report.skippedRowExamples.map(\.line) == [4, 5])
        #expect(loaded.report.skippedRowExamples.allSatisfy { $0.file == "u.data" })
        #expect(loaded.report.interactionCount == 3)
        #expect(loaded.report.description.contains("u.data:5"))
    }

    @Test func readsMovieLens1MWithDoubleColonSeparators() throws {
        let folder = try ScratchFolder()
        try folder.write("ratings.dat", "5::1193::5::978300760\n5::661::3::978302109\r\n6::1193::4::978301968\n")
        try folder.write(
            "movies.dat", bytes: Array("1193::".utf8) + Self.latin1Cafe + Array("::Drama|Comedy\n661::X::Drama\n".utf8))
        let loaded = try DatasetLoader.load(format: .auto, folder: folder.path)
        #expect(loaded.report.format == .movieLens1M)
        #expect(loaded.report.interactionCount == 3)
        #expect(loaded.report.userCount == 2)
        let item = try #require(loaded.raw.items.index(of: "1193"))
        #expect(ItemTextFormatter().text(for: loaded.raw.attributes[Int(item)]) == "title: Café; genres: Drama, Comedy")
        #expect(loaded.raw.interactions[1].time == 978_302_109)
    }

    @Test func readsMovieLensCSVWithQuotedTitlesAndHeaders() throws {
        let folder = try ScratchFolder()
        try folder.write("ratings.csv", "userId,movieId,rating,timestamp\n1,11,4.5,20\n1,12,3.0,10\n2,11,5,5\n")
        try folder.write(
            "movies.csv",
            """
            movieId,title,genres
            11,"American President, The (1995)",Comedy|Drama|Romance
            12,"Movie ""Quoted"", Part 2 (2001)",(no genres listed)
            13,"Multi
            Line (1990)",Drama

            """)
        let loaded = try DatasetLoader.load(format: .auto, folder: folder.path)
        #expect(loaded.report.format == .movieLensCSV)
        #expect(loaded.report.interactionCount == 3)
        #expect(loaded.report.describedItemCount == 3)
        let texts = ["11", "12", "13"].map { id in
            loaded.raw.items.index(of: id).map { ItemTextFormatter().text(for: loaded.raw.attributes[Int($0)]) }
        }
        #expect(texts[0] == "title: American President, The (1995); genres: Comedy, Drama, Romance")
        #expect(texts[1] == "title: Movie \"Quoted\", Part 2 (2001)")
        #expect(texts[2] == "title: Multi\nLine (1990); genres: Drama")
    }

    @Test func csvFilesWithWindowsLineEndingsReadTheSame() throws {
        let folder = try ScratchFolder()
        try folder.write("ratings.csv", "userId,movieId,rating,timestamp\r\n1,11,4,20\r\n1,12,3,10\r\n")
        try folder.write("movies.csv", "movieId,title,genres\r\n11,\"A, B\",Drama\r\n12,C,Comedy|Drama\r\n")
        let loaded = try DatasetLoader.load(format: .movieLensCSV, folder: folder.path)
        #expect(loaded.raw.interactions.map(\.time) == [20, 10])
        let texts = loaded.raw.attributes.map { ItemTextFormatter().text(for: $0) }
        #expect(texts == ["title: A, B; genres: Drama", "title: C; genres: Comedy, Drama"])
    }

    @Test func csvRowsWithBadQuotesAreRejectedAtTheirLine() throws {
        let folder = try ScratchFolder()
        try folder.write("ratings.csv", "1,11,4,20\n")
        try folder.write("movies.csv", "movieId,title,genres\n11,\"Bad\" quote,Drama\n12,Fine,Drama\n")
        let loaded = try DatasetLoader.load(format: .movieLensCSV, folder: folder.path, malformedRows: .skip)
        #expect(
            loaded.report.skippedRowExamples == [
                MalformedRow(file: "movies.csv", line: 2, reason: "text after a closing quote")
            ])
        #expect(loaded.report.describedItemCount == 1)
        #expect(loaded.report.interactionCount == 1)
    }
}
