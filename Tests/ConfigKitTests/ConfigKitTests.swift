import Testing

@testable import ConfigKit

@Suite struct ConfigDocumentTests {
    let yaml = """
        seed: 7
        train:
          epochs: 3
          lr: 0.001
          shuffle: yes
        data:
          fields: [title, genres]
        """

    @Test func readsTypedValuesWithDefaults() throws {
        let root = try ConfigDocument(yaml: self.yaml).root
        #expect(try root.int("seed") == 7)
        let train = try root.section("train")
        #expect(try train.int("epochs", min: 1) == 3)
        #expect(try train.double("lr") == 0.001)
        #expect(try train.bool("shuffle", default: false))
        #expect(try train.int("patience", default: 5) == 5)
        #expect(try root.section("data").strings("fields", default: []) == ["title", "genres"])
        try root.finish()
    }

    @Test func rejectsOutOfRangeValuesNamingTheKey() throws {
        let root = try ConfigDocument(yaml: "train:\n  epochs: 0\n").root
        #expect(throws: ConfigError.invalidValue(key: "train.epochs", value: "0", allowed: "an integer >= 1")) {
            try root.section("train").int("epochs", min: 1)
        }
    }

    @Test func rejectsUnknownKeysWithASuggestion() throws {
        let root = try ConfigDocument(yaml: "train:\n  epohcs: 3\n").root
        _ = try root.section("train").int("epochs", default: 1)
        #expect(throws: ConfigError.unknownKey(key: "train.epohcs", suggestion: "train.epochs")) {
            try root.finish()
        }
    }

    @Test func expectOnlyRejectsAKeyOutsideTheAllowedSetBeforeAnyIsRead() throws {
        let parameter = try #require(try ConfigDocument(yaml: "p: [{low: 0, hihg: 1}]\n").root.sections("p")?.first)
        try parameter.expectOnly(["low", "high", "hihg"])
        #expect(throws: ConfigError.unknownKey(key: "p[0].hihg", suggestion: "p[0].high")) {
            try parameter.expectOnly(["low", "high"])
        }
    }

    @Test func rejectsWrongKindsAndChoices() throws {
        enum Mode: String, CaseIterable { case all, summaries }
        let root = try ConfigDocument(yaml: "mode: some\nlist: {a: 1}\n").root
        #expect(throws: ConfigError.invalidValue(key: "mode", value: "some", allowed: "one of all, summaries")) {
            _ = try root.choice("mode", default: Mode.all)
        }
        #expect(throws: ConfigError.self) { try root.strings("list", default: []) }
    }

    @Test func overridesReplaceAndCreateKeys() throws {
        var document = try ConfigDocument(yaml: self.yaml)
        try document.override("train.epochs=5")
        try document.override("data.path=/data/beauty")
        try document.override("data.fields=[title]")
        let root = document.root
        #expect(try root.section("train").int("epochs") == 5)
        let data = try root.section("data")
        #expect(try data.string("path") == "/data/beauty")
        #expect(try data.strings("fields", default: []) == ["title"])
    }

    @Test func badOverridesAreRejected() throws {
        var document = try ConfigDocument(yaml: self.yaml)
        #expect(throws: ConfigError.badOverride("train.epochs")) { try document.override("train.epochs") }
        #expect(throws: ConfigError.badOverride("train..x=1")) { try document.override("train..x=1") }
        #expect(throws: ConfigError.self) { try document.override("seed.inner=1") }
    }

    @Test func setStoresAValueAsItIsWithTheChecksOfAnOverride() throws {
        var set = try ConfigDocument(yaml: self.yaml)
        var overridden = set
        try set.set("train.epochs", to: .scalar("5"))
        try set.set("data.fields", to: .list([.scalar("title")]))
        try overridden.override("train.epochs=5")
        try overridden.override("data.fields=[title]")
        #expect(set == overridden)
        try set.set("data.path", to: .scalar("x: y #z"))
        #expect(try set.root.section("data").string("path") == "x: y #z", "not read as YAML")
        #expect(throws: ConfigError.badOverride("train..x")) { try set.set("train..x", to: .scalar("1")) }
        #expect(throws: ConfigError.invalidValue(key: "seed.inner", value: "[1]", allowed: "a key inside a mapping")) {
            try set.set("seed.inner", to: .list([.scalar("1")]))
        }
    }

    @Test func syntaxErrorsAndDuplicateKeysAreReported() {
        #expect(throws: ConfigError.self) { try ConfigDocument(yaml: "a: [1, 2\n") }
        #expect(throws: ConfigError.self) { try ConfigDocument(yaml: "a: 1\na: 2\n") }
        #expect(throws: ConfigError.self) { try ConfigDocument(yaml: "- 1\n- 2\n") }
    }

    @Test func canonicalTextIgnoresKeyOrderAndShowsChanges() throws {
        let a = try ConfigDocument(yaml: "b: 1\na:\n  x: 2\n  y: [3, 4]\n")
        let b = try ConfigDocument(yaml: "a:\n  y: [3, 4]\n  x: 2\nb: 1\n")
        #expect(a.canonicalText == b.canonicalText)
        #expect(a.value.canonicalLines == ["a.x = 2", "a.y[0] = 3", "a.y[1] = 4", "b = 1"])
    }

    @Test func editDistanceCountsEdits() {
        #expect(editDistance("epochs", "epohcs") == 2)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("same", "same") == 0)
    }
}
