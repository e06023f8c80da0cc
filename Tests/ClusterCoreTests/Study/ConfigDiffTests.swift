import ClusterCore
import ConfigKit
import Testing

@Suite struct ConfigDiffTests {
    @Test func leavesOfCanonicalTextAreComparedOneByOne() throws {
        let old = try ConfigDocument(yaml: "a: 1\nb: {c: x, d: [1, 2]}\ngone: true").canonicalText
        let new = try ConfigDocument(yaml: "b: {d: [1, 2, 3], c: x}\na: 1\ne: {f: y}").canonicalText
        let changes = try ConfigDiff.between(old: old, new: new)
        #expect(
            changes == [
                ConfigChange(path: "b.d[2]", old: nil, new: "3"),
                ConfigChange(path: "e.f", old: nil, new: "y"),
                ConfigChange(path: "gone", old: "true", new: nil),
            ])
        #expect(changes.map(\.description) == ["b.d[2]: added 3", "e.f: added y", "gone: removed true"])
        #expect(try ConfigDiff.between(old: old, new: old).isEmpty)
    }

    @Test func linesThatAreNotLeavesAreRejected() {
        #expect(throws: ConfigDiffError.self) { try ConfigDiff.between(old: "a = 1\n{}", new: "a = 1") }
    }
}
