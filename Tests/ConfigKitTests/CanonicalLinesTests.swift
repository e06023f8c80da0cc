import Testing

@testable import ConfigKit

/// Reading a document back from its canonical lines (a study's stored training config).
@Suite struct CanonicalLinesTests {
    @Test func canonicalLinesReadBackToTheSameDocument() throws {
        let yaml = """
            seed: 3
            data: {format: synthetic, path: "a = b", empty: {}, none: []}
            model: {groups: [{from: 1, types: [lora, parallel]}, {from: 2, types: []}]}
            list: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
            """
        let document = try ConfigDocument(yaml: yaml)
        let lines = document.value.canonicalLines
        let back = try ConfigDocument(canonicalLines: lines.reversed(), source: "stored")
        #expect(back.canonicalText == document.canonicalText)
        // Lists keep their order past index 9 (the lines sort `[10]` before `[2]`).
        #expect(try back.root.ints("list", default: []) == Array(0...11))
        #expect(try back.root.section("data").string("path") == "a = b")
    }

    @Test func linesThatAreNotCanonicalAreRejected() {
        for lines in [
            ["seed"], ["a = 1", "a.b = 2"], ["a[0] = 1", "a.b = 2"], ["a[1] = 1"], ["a..b = 1"], ["[0] = 1"],
        ] {
            #expect(throws: ConfigError.self) { try ConfigDocument(canonicalLines: lines, source: "stored") }
        }
    }
}
