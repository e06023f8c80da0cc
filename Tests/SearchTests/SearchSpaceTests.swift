import Foundation
import Testing

@testable import Search

@Suite struct SearchSpaceYAMLTests {
    @Test(arguments: SyntheticObjective.allCases)
    func syntheticSpaceFilesMatchTheBuiltInSpaces(objective: SyntheticObjective) throws {
        let config = try SearchConfig(yaml: try TestSupport.config("search-\(objective.rawValue).yaml"))
        #expect(config.space == objective.space)
        #expect(config.direction == .minimize)
        #expect(config.pruner == .none)
    }

    @Test func mixrecSpaceHasThreeGroupsWithConditionalSizes() throws {
        let config = try SearchConfig(yaml: try TestSupport.config("mixrec-space.yaml"))
        #expect(config.direction == .maximize)
        #expect(config.optimizer.initialTrials == 10)
        guard case .successiveHalving(let asha) = config.pruner else {
            Issue.record("expected ASHA, got \(config.pruner)")
            return
        }
        #expect(asha.reductionFactor == 3 && asha.warmup.trials == 4)
        for group in ["low", "mid", "top"] {
            let prefix = "model.experts.groups.\(group)"
            let types = try #require(config.space.parameter(named: "\(prefix).types"))
            guard case .categorical(let choices) = types.domain else {
                Issue.record("\(prefix).types is not categorical")
                continue
            }
            #expect(choices.contains("none") && choices.contains("lora") && choices.contains("scaling"))
            let rank = try #require(config.space.parameter(named: "\(prefix).rank"))
            #expect(rank.condition?.parent == "\(prefix).types")
            #expect(rank.condition?.values.contains("lora+bottleneck") == true)
            #expect(rank.condition?.values.contains("scaling") == false, "(IA)³ experts have no size")
            #expect(rank.domain == .int(low: 2, high: 64, log: true))
            #expect(config.space.parameter(named: "\(prefix).top_k")?.condition?.values.contains("none") == false)
            #expect(config.space.parameter(named: "\(prefix).experts")?.domain == .int(low: 2, high: 8, log: false))
        }
        if case .float(_, _, let log) = config.space.parameter(named: "train.lr")?.domain {
            #expect(log)
        } else {
            Issue.record("train.lr is not a float")
        }
    }

    /// Each broken file must fail with an error that names the parameter or setting at fault.
    @Test(arguments: [
        ("parameters: []", "no parameters"),
        ("direction: up\nparameters: [{name: a, type: float, low: 0, high: 1}]", "direction"),
        ("parameters: [{name: a, type: float, low: 1, high: 0}]", "'a'"),
        ("parameters: [{name: a, type: float, low: 0, high: 1, log: true}]", "'a'"),
        ("parameters: [{name: n, type: int, low: 0.5, high: 3}]", "'n'"),
        ("parameters: [{name: c, type: categorical, choices: []}]", "'c'"),
        ("parameters: [{name: c, type: categorical, choices: [x, x]}]", "'c'"),
        ("parameters: [{name: a, type: float, low: 0, high: 1}, {name: a, type: int, low: 0, high: 1}]", "'a'"),
        ("parameters: [{name: a, type: float, low: 0, hihg: 1}]", "hihg"),
        ("parameters: [{name: a, type: vector, low: 0, high: 1}]", "'a'"),
        ("parameters: [{type: float, low: 0, high: 1}]", "name"),
        (
            "parameters: [{name: r, type: int, low: 1, high: 4, when: {parameter: k, in: [x]}},"
                + " {name: k, type: categorical, choices: [x]}]", "'r'"
        ),
        (
            "parameters: [{name: k, type: categorical, choices: [x, y]},"
                + " {name: r, type: int, low: 1, high: 4, when: {parameter: k, in: [z]}}]", "'r'"
        ),
        (
            "parameters: [{name: f, type: float, low: 0, high: 1},"
                + " {name: r, type: int, low: 1, high: 4, when: {parameter: f, in: [x]}}]", "'r'"
        ),
        (
            "pruner: {kind: asha, reduction_factor: 1}\nparameters: [{name: a, type: float, low: 0, high: 1}]",
            "reduction_factor"
        ),
        ("pruner: {kind: sometimes}\nparameters: [{name: a, type: float, low: 0, high: 1}]", "kind"),
        ("optimizer: {candidates: 0}\nparameters: [{name: a, type: float, low: 0, high: 1}]", "candidates"),
        ("parameters: [{name: a, type: float, low: 0, high: 1}", "YAML"),
    ])
    func invalidFilesAreRejectedNamingTheCulprit(yaml: String, culprit: String) {
        #expect {
            _ = try SearchConfig(yaml: yaml)
        } throws: { error in
            "\(error)".contains(culprit)
        }
    }

    /// A file's reading errors name the file, the parameter, the key's path, the value and what was expected.
    @Test func readingErrorsNameTheFileTheKeyAndTheExpectation() {
        let cases = [
            (
                "parameters: [{name: n, type: int, low: 0.5, high: 3}]",
                "space.yaml, parameter 'n': config key 'parameters[0].low': '0.5' is not allowed; expected an integer"
            ),
            (
                "parameters: [{name: a, type: float, low: 0, hihg: 1}]",
                "space.yaml, parameter 'a': config key 'parameters[0].hihg' is not known (did you mean "
                    + "'parameters[0].high'?); see configs/README.md"
            ),
            (
                "direction: up",
                "space.yaml: config key 'direction': 'up' is not allowed; expected one of minimize, maximize"
            ),
        ]
        for (yaml, message) in cases {
            let error = #expect(throws: SearchError.self) { try SearchConfig(yaml: yaml, source: "space.yaml") }
            #expect(error?.description == message)
        }
    }
}

@Suite struct ConfigurationTests {
    @Test func canonicalJSONIsSortedAndRoundTrips() throws {
        let configuration = Configuration([
            "lr": .double(0.001), "kind": .string("lora"), "rank": .int(16), "width": .double(1.0),
        ])
        #expect(configuration.canonicalJSON == #"{"kind":"lora","lr":0.001,"rank":16,"width":1}"#)
        let decoded = try Configuration(json: configuration.canonicalJSON)
        #expect(decoded == configuration)
        #expect(decoded.canonicalJSON == configuration.canonicalJSON)
        // The space restores the declared kinds (1.0 comes back from JSON as an integer).
        let space = try TestSupport.conditionalSpace()
        let restored = try space.validate(decoded)
        if case .double = restored["width"] {} else { Issue.record("width should be a double, got \(restored)") }
        if case .int = restored["rank"] {} else { Issue.record("rank should be an int, got \(restored)") }
    }

    @Test func validationNamesTheParameter() throws {
        let space = try TestSupport.conditionalSpace()
        let cases: [(Configuration, String)] = [
            (Configuration(["kind": .string("lora"), "width": .double(0.5), "lr": .double(0.01)]), "rank"),
            (Configuration(["kind": .string("none"), "rank": .int(4), "lr": .double(0.01)]), "rank"),
            (Configuration(["kind": .string("none"), "lr": .double(0.5)]), "lr"),
            (Configuration(["kind": .string("big"), "lr": .double(0.01)]), "kind"),
            (Configuration(["kind": .string("none"), "lr": .double(0.01), "extra": .int(1)]), "extra"),
            (
                Configuration([
                    "kind": .string("lora"), "rank": .double(2.5), "width": .double(0.5), "lr": .double(0.01),
                ]), "rank"
            ),
        ]
        for (configuration, culprit) in cases {
            #expect(throws: SearchError.self) { _ = try space.validate(configuration) }
            do {
                _ = try space.validate(configuration)
            } catch {
                guard case .invalidConfiguration(let parameter, _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(parameter == culprit)
            }
        }
        let valid = Configuration(["kind": .string("bottleneck"), "width": .int(1), "lr": .double(1e-3)])
        #expect(try space.validate(valid)["width"] == .double(1))
    }
}
