import ConfigKit
import Testing

@testable import MixRec

@Suite struct ExpertPlanTests {
    func plan(_ yaml: String, layers: Int = 8) throws -> ExpertPlan {
        let root = try ConfigDocument(yaml: yaml).root
        let plan = try ExpertPlan(from: root, layerCount: layers)
        try root.finish()
        return plan
    }

    @Test func readsGroupsAndAssignsKindsRoundRobin() throws {
        let plan = try self.plan(
            """
            groups:
              top: {from: 6, to: 7, types: lora+bottleneck, experts: 3, rank: 4, top_k: 2}
              low: {from: 0, to: 3, types: [none]}
            """)
        #expect(plan.groups.map(\.name) == ["low", "top"])
        let top = try #require(plan.group(forLayer: 7))
        #expect((0..<3).map(top.kind(ofExpert:)) == [.lora, .bottleneck, .lora])
        #expect(plan.group(forLayer: 2) == nil, "an all-none group adapts nothing")
        #expect(plan.group(forLayer: 5) == nil)
        #expect(plan.firstAdaptedLayer == 6)
        #expect(plan.shortDescription == "0-3 none | 6-7 lora+bottleneck x3 r4 k2")
    }

    @Test func rejectsOverlapsOutOfRangeLayersAndBadKinds() {
        #expect(throws: ConfigError.self) {
            try self.plan("groups:\n  a: {from: 0, to: 4}\n  b: {from: 4, to: 5}\n")
        }
        #expect(throws: ConfigError.self) { try self.plan("groups:\n  a: {from: 6, to: 8}\n") }
        #expect(throws: ConfigError.self) { try self.plan("groups:\n  a: {from: 0, to: 1, types: [moe]}\n") }
        #expect(throws: ConfigError.self) {
            try self.plan("groups:\n  a: {from: 0, to: 1, experts: 2, top_k: 3}\n")
        }
    }

    @Test func rejectsUnknownGroupKeys() {
        #expect(throws: ConfigError.unknownKey(key: "groups.a.rnak", suggestion: "groups.a.rank")) {
            try self.plan("groups:\n  a: {from: 0, to: 1, rnak: 4}\n")
        }
    }
}
