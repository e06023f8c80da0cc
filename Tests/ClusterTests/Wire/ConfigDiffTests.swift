import Cluster
import Testing

@Suite struct ConfigDiffTests {
    @Test func nestedKeysAreComparedOneByOneAndArraysWhole() throws {
        let old = #"{"a":1,"b":{"c":"x","d":[1,2]},"gone":true}"#
        let new = #"{"b":{"d":[1,2,3],"c":"x"},"a":1,"e":{"f":null}}"#
        let changes = try ConfigDiff.between(old: old, new: new)
        #expect(
            changes == [
                ConfigChange(path: "b.d", old: "[1,2]", new: "[1,2,3]"),
                ConfigChange(path: "e.f", old: nil, new: "null"),
                ConfigChange(path: "gone", old: "true", new: nil),
            ])
        #expect(changes.map(\.description) == ["b.d: [1,2] → [1,2,3]", "e.f: added null", "gone: removed true"])
        #expect(try ConfigDiff.between(old: old, new: old).isEmpty)
    }

    @Test func nonObjectsAreRejected() {
        #expect(throws: ConfigDiffError.self) { try ConfigDiff.between(old: "[1]", new: "{}") }
    }
}
