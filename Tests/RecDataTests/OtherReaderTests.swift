import Foundation
import TestKit
import Testing

@testable import RecData

// MARK: - Amazon-style and RecBole readers, format detection

struct OtherReaderTests {
    @Test(arguments: [0, 1])
    func readsAmazonSequencesWithIdsStartingAtZeroOrOne(firstID: Int) throws {
        let folder = try ScratchFolder()
        let (a, b, c) = (firstID, firstID + 1, firstID + 2)
        try folder.write("sequences.txt", "\(a) \(a) \(b) \(c)\n\(b) \(c) \(a)\n\(c)\n")
        try folder.write(
            "items.tsv",
            "item_id\tasin\ttitle\tbrand\n\(a)\tB01\tRed Lipstick\tVexa\n\(b)\tB02\t\tNorvik\n\(c)\tB03\t\t\n")
        let loaded = try DatasetLoader.load(format: .auto, folder: folder.path)
        #expect(loaded.report.format == .amazon)
        #expect(loaded.report.userCount == 2)
        #expect(loaded.report.interactionCount == 5)
        #expect(loaded.report.itemsWithoutText == 1)
        let first = try #require(loaded.raw.items.index(of: String(a)))
        #expect(ItemTextFormatter().text(for: loaded.raw.attributes[Int(first)]) == "title: Red Lipstick; brand: Vexa")
        let onlyTitles = try DatasetLoader.load(
            format: .amazon, folder: folder.path, text: ItemTextFormatter(fields: ["title"]))
        #expect(onlyTitles.report.itemsWithoutText == 2)
        let dataset = SequentialDataset.prepare(loaded.raw)
        #expect(dataset.itemIDs == [String(a), String(b), String(c)])
        #expect(dataset.sequences == [[0, 1, 2]])
    }

    @Test func aLeadingByteOrderMarkIsIgnored() throws {
        let folder = try ScratchFolder()
        try folder.write("sequences.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("7 1 2 3\n".utf8))
        let loaded = try DatasetLoader.load(format: .amazon, folder: folder.path)
        #expect(loaded.raw.users.names == ["7"])
    }

    @Test func amazonItemRowsWithWrongFieldCountsAndDuplicateUsersAreMalformed() throws {
        let folder = try ScratchFolder()
        try folder.write("sequences.txt", "u1 i1 i2 i3\nu1 i3\n")
        try folder.write("items.tsv", "item_id\ttitle\ni1\tA\ni2\tB\textra\n")
        #expect(throws: DataReadError.self) { try DatasetLoader.load(format: .amazon, folder: folder.path) }
        let loaded = try DatasetLoader.load(format: .amazon, folder: folder.path, malformedRows: .skip)
        #expect(
            loaded.report.skippedRowExamples.map(\.description) == [
                "sequences.txt:2: user u1 already had a line", "items.tsv:3: expected 2 TAB-separated fields, found 3",
            ])
    }

    @Test func unknownTextFieldsAreRejectedWithTheAvailableOnes() throws {
        let folder = try ScratchFolder()
        try folder.write("sequences.txt", "1 1 2 3\n")
        try folder.write("items.tsv", "item_id\ttitle\n1\tA\n")
        #expect(throws: DataReadError.unknownTextField(fields: ["name"], available: ["title"])) {
            try DatasetLoader.load(format: .amazon, folder: folder.path, text: ItemTextFormatter(fields: ["name"]))
        }
    }

    @Test func readsRecBoleAtomicFilesWithTypedHeaders() throws {
        let folder = try ScratchFolder()
        try folder.write(
            "toy.inter",
            "user_id:token\titem_id:token\trating:float\ttimestamp:float\n7\t1\t3\t20.5\n7\t2\t4\t10\n8\t1\t2\t1\n")
        try folder.write(
            "toy.item",
            "item_id:token\tmovie_title:token_seq\trelease_year:token\tscore:float\n1\tToy Story\t1995\t4.5\n2\tHeat\t1995\t3\n"
        )
        let loaded = try DatasetLoader.load(format: .auto, folder: folder.path)
        #expect(loaded.report.format == .recbole)
        #expect(loaded.raw.timeKind == .timestamp)
        #expect(loaded.raw.interactions.map(\.time) == [20.5, 10, 1])
        let toy = try #require(loaded.raw.items.index(of: "1"))
        #expect(
            ItemTextFormatter().text(for: loaded.raw.attributes[Int(toy)])
                == "movie_title: Toy Story; release_year: 1995")
        let heat = try #require(loaded.raw.items.index(of: "2"))
        #expect(SequentialDataset.orderedHistories(loaded.raw) == [[heat, toy], [toy]])
        let dataset = SequentialDataset.prepare(loaded.raw)
        #expect(dataset.userCount == 0)
        #expect(dataset.itemCount == 2)
    }

    @Test func recBoleFilesWithoutTimestampsKeepFileOrderAndLoadInOneCall() throws {
        let folder = try ScratchFolder()
        try folder.write("x.inter", "item_id:token\tuser_id:token\n5\tu\n3\tu\n4\tu\n9\tv\n")
        let (dataset, report) = try SequentialDataset.load(format: .recbole, folder: folder.path)
        #expect(report.itemsWithoutText == 4 && report.describedItemCount == 0)
        #expect(dataset.userIDs == ["u"])
        #expect(dataset.itemIDs == ["3", "4", "5", "9"])
        #expect(dataset.sequences == [[2, 0, 1]])
    }

    @Test func recBoleHeaderWithoutIdsIsRejected() throws {
        let folder = try ScratchFolder()
        try folder.write("x.inter", "uid:token\titem_id:token\n1\t2\n")
        #expect(
            throws: DataReadError.malformedRow(
                MalformedRow(file: "x.inter", line: 1, reason: "header needs user_id and item_id fields"))
        ) {
            try DatasetLoader.load(format: .recbole, folder: folder.path)
        }
    }

    @Test func autoDetectionNamesTheFormatOrExplainsWhatIsMissing() throws {
        let folder = try ScratchFolder()
        #expect(throws: DataReadError.formatNotDetected(folder: folder.path, files: [])) {
            try DatasetFormat.detect(folder: folder.path)
        }
        try folder.write("notes.txt", "x")
        try folder.write("a.inter", "user_id:token\titem_id:token\n1\t2\n")
        #expect(try DatasetFormat.detect(folder: folder.path) == .recbole)
        try folder.write("sequences.txt", "1 2 3\n")
        #expect(try DatasetFormat.detect(folder: folder.path) == .amazon)
        try folder.write("u.data", "1\t2\t3\t4\n")
        #expect(try DatasetFormat.detect(folder: folder.path) == .movieLens100K)
        #expect(throws: DataReadError.folderNotFound(path: folder.path + "/nope")) {
            try DatasetLoader.load(format: .auto, folder: folder.path + "/nope")
        }
    }
}
