import Cluster
import ConfigKit
import Foundation
import MixRec
import MixRecTrials
import Search
import TestKit
import Testing

/// Study configs of `objective.kind: mixrec`: the training config they send, the search keys checked against it, and
/// the warm starts their trials share.
@Suite struct MixRecStudyConfigTests {
    static let kinds = TrialKinds.builtIn.adding(MixRecTrialKind())

    /// Writes `config` as `study.yaml` and, if given, the search file `space` as `space.yaml` in `folder`; returns
    /// the config's path.
    private func write(_ config: String, space: String? = nil, in folder: ScratchFolder) throws -> String {
        if let space { try folder.write("space.yaml", space) }
        try folder.write("study.yaml", config)
        return folder.path("study.yaml")
    }

    /// The repository's `configs` folder.
    private static var configs: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("configs")
    }

    @Test(arguments: [("demo-mixrec.yaml", 1), ("demo-mixrec-dp.yaml", 2)])
    func theMixRecDemoConfigsSendTheirTrainingConfigAndGroupLayers(file: String, groupSize: Int) throws {
        let config = try StudyConfig(contentsOf: Self.configs.appendingPathComponent(file).path, kinds: Self.kinds)
        let training = try String(
            contentsOf: Self.configs.appendingPathComponent("demo-mixrec-training.yaml"), encoding: .utf8)
        #expect(
            config.task
                == .config(
                    kind: MixRecTrialKind.name, baseConfig: training,
                    overrides: [
                        "model.experts.groups.top.from=2", "model.experts.groups.top.to=3",
                        "train.cf_pretrain.reuse=true",
                    ]
                ))
        #expect(config.metric == "valid/ndcg@10" && config.search.direction == .maximize)
        #expect(config.groupSize == groupSize && config.budget >= 2)
    }

    /// The real-data studies search the same expert plan and prune at 1/9 and 1/3 of a trial's steps.
    @Test(arguments: [("study-ml-100k.yaml", "ml-100k.yaml"), ("study-amazon-beauty.yaml", "amazon-beauty.yaml")])
    func theRealDataStudiesValidateAtTheirRungsOverTheirTrainingConfig(file: String, training: String) throws {
        let config = try StudyConfig(contentsOf: Self.configs.appendingPathComponent(file).path, kinds: Self.kinds)
        guard case .config(MixRecTrialKind.name, let baseConfig, let overrides) = config.task else {
            Issue.record("\(file) is not a MixRec study")
            return
        }
        #expect(baseConfig == (try String(contentsOf: Self.configs.appendingPathComponent(training), encoding: .utf8)))
        let rungs = overrides.first { $0.hasPrefix("train.rungs=") }.map {
            $0.dropFirst("train.rungs=[".count).dropLast().split(separator: ",").compactMap {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
        }
        #expect(rungs?.count == 2, "\(overrides)")
        #expect(zip(rungs ?? [], [1.0 / 9, 1.0 / 3]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(overrides)")
        #expect(config.search.space.parameters.count == 9 && config.search.direction == .maximize)
        #expect(config.warmStartParameters.isEmpty, "the searched parameters leave the warm start alone")
    }

    @Test func aMixRecStudySendsItsTrainingConfigAndChecksTheSearchKeysAgainstIt() throws {
        let directory = try ScratchFolder()
        let training = "train: {epochs: 9, lr: 0.001}\n"
        try training.write(
            to: directory.url.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let space = """
            parameters:
              - {name: train.lr, type: float, low: 1.0e-4, high: 1.0e-2, log: true}
              - {name: losses.align, type: float, low: 0, high: 1}
            """
        let path = try self.write(
            """
            study: {epochs: 2}
            search: {space: space.yaml}
            objective: {kind: mixrec, config: train.yaml, set: [losses.hard=0.5, train.lr=0.002]}
            """,
            space: space, in: directory)
        let config = try StudyConfig(contentsOf: path, kinds: Self.kinds)
        #expect(
            config.task
                == .config(
                    kind: MixRecTrialKind.name, baseConfig: training,
                    overrides: ["losses.hard=0.5", "train.lr=0.002", "train.cf_pretrain.reuse=true"]))
        #expect(config.warmStartParameters.isEmpty, "the warm start reads neither train.lr nor losses.align")
        #expect(config.metric == "valid/ndcg@10")
        #expect(config.canonicalText.contains("objective.config.train.epochs = 9"), "the training config is stored")
        #expect(config.canonicalText.contains("objective.config.losses.hard = 0.5"), "with the study's settings")
        guard case .config(MixRecTrialKind.name, let base, let overrides) = config.task else { return }
        let trial = try MixRecTrialConfig.make(
            baseConfig: base, overrides: overrides,
            configuration: Configuration(["train.lr": .double(0.004), "losses.align": .double(0.25)]), epochs: 2,
            seed: 77)
        #expect(trial.training.epochs == 2 && trial.seed == 77)
        #expect(abs(trial.training.learningRate - 0.004) < 1e-12, "the trial's value wins over the study's")
        #expect(trial.losses.align == 0.25 && trial.losses.hard == 0.5)

        let typo = space.replacingOccurrences(of: "losses.align", with: "losses.allign")
        let bad = try self.write(
            "search: {space: space.yaml}\nobjective: {kind: mixrec, config: train.yaml}", space: typo, in: directory)
        let error = #expect(throws: StudyConfigError.self) { try StudyConfig(contentsOf: bad, kinds: Self.kinds) }
        #expect(error?.description.contains("losses.allign") == true, "\(error.map { "\($0)" } ?? "")")
    }

    /// A study config over a MixRec training config whose warm start runs 5 epochs, searching `parameters`.
    private func warmStartStudy(share: Bool?, parameters: [String], in directory: ScratchFolder) throws -> String {
        try "train: {cf_pretrain: {epochs: 5, reuse: \(!(share ?? true))}}\n".write(
            to: directory.url.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let space = "parameters:\n" + parameters.map { "  - \($0)\n" }.joined()
        let study = share.map { "study: {share_warm_start: \($0)}\n" } ?? ""
        return try self.write(
            study + "search: {space: space.yaml}\nobjective: {kind: mixrec, config: train.yaml}", space: space,
            in: directory)
    }

    @Test(arguments: [nil, true, false])
    func shareWarmStartDecidesEveryTrialsReuse(share: Bool?) throws {
        let directory = try ScratchFolder()
        let path = try self.warmStartStudy(
            share: share,
            parameters: [
                "{name: train.lr, type: float, low: 1.0e-4, high: 1.0e-2, log: true}",
                "{name: model.collaborative.inject_scores, type: categorical, choices: [true, false]}",
            ], in: directory)
        let config = try StudyConfig(contentsOf: path, kinds: Self.kinds)
        #expect(config.sharesWarmStart == (share ?? true))
        #expect(config.warmStartParameters.isEmpty)
        guard case .config(MixRecTrialKind.name, let base, let overrides) = config.task else {
            Issue.record("not a MixRec task: \(config.task)")
            return
        }
        let trial = try MixRecTrialConfig.make(baseConfig: base, overrides: overrides, configuration: Configuration())
        #expect(trial.training.collaborativePretraining.reuse == (share ?? true), "the study's choice wins")

        // Shared: the coordinator names each trial's warm start from its config; `false`: nothing is named or shipped.
        let naming = config.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000").warmStartNaming
        #expect((naming != nil) == (share ?? true))
        if let naming {
            let first = Trial(id: TrialID(1), params: Configuration(["train.lr": .double(0.001)]), origin: .proposed)
            var otherRate = first
            otherRate.params["train.lr"] = .double(0.004)
            var otherSeed = first
            otherSeed.seed = 4
            var otherWidth = first
            otherWidth.params["model.collaborative.width"] = .int(12)
            #expect(naming(first) != nil && naming(first) == naming(otherRate), "the warm start does not read train.lr")
            #expect(naming(otherSeed) != naming(first) && naming(otherWidth) != naming(first))
        }

        let bad = try self.write("study: {share_warm_start: sometimes}\nsearch: {space: space.yaml}", in: directory)
        let error = #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: bad, kinds: Self.kinds) }
        #expect(error?.description.contains("study.share_warm_start") == true, "\(error.map { "\($0)" } ?? "")")
    }

    /// Trials that differ in a parameter the warm start reads cannot share one: a study searching such parameters is
    /// refused while it shares warm starts, with the parameters and the way out named.
    @Test(arguments: [nil, true, false])
    func searchingWhatTheWarmStartReadsNeedsItUnshared(share: Bool?) throws {
        let directory = try ScratchFolder()
        let path = try self.warmStartStudy(
            share: share,
            parameters: [
                "{name: train.lr, type: float, low: 1.0e-4, high: 1.0e-2, log: true}",
                "{name: model.collaborative.width, type: int, low: 8, high: 64}",
                "{name: train.cf_pretrain.lr, type: float, low: 1.0e-4, high: 1.0e-2, log: true}",
            ], in: directory)
        guard share == false else {
            let error = #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: path, kinds: Self.kinds) }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("model.collaborative.width, train.cf_pretrain.lr"), "\(text)")
            #expect(text.contains("study.share_warm_start"), "\(text)")
            return
        }
        let config = try StudyConfig(contentsOf: path, kinds: Self.kinds)
        #expect(config.warmStartParameters == ["model.collaborative.width", "train.cf_pretrain.lr"])
    }

    @Test func theMixRecSpacesParametersAreTrainingConfigKeys() throws {
        let directory = try ScratchFolder()
        try "data: {format: synthetic}\n".write(
            to: directory.url.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let space = try String(contentsOf: Self.configs.appendingPathComponent("mixrec-space.yaml"), encoding: .utf8)
        let groups = ["low": (0, 2), "mid": (3, 5), "top": (6, 7)].sorted { $0.key < $1.key }.flatMap { name, layers in
            ["model.experts.groups.\(name).from=\(layers.0)", "model.experts.groups.\(name).to=\(layers.1)"]
        }
        let path = try self.write(
            """
            search: {space: space.yaml}
            objective: {kind: mixrec, config: train.yaml, set: [\(groups.joined(separator: ", "))]}
            """, space: space, in: directory)
        let config = try StudyConfig(contentsOf: path, kinds: Self.kinds)
        guard case .config(MixRecTrialKind.name, let base, let overrides) = config.task else {
            Issue.record("not a MixRec task: \(config.task)")
            return
        }
        var proposer = config.proposer
        for configuration in try proposer.propose(count: 12, observations: [], pending: []) {
            let trial = try MixRecTrialConfig.make(baseConfig: base, overrides: overrides, configuration: configuration)
            #expect(trial.model.experts.groups.map(\.name) == ["low", "mid", "top"])
            for group in trial.model.experts.groups {
                let types = configuration["model.experts.groups.\(group.name).types"]?.string
                #expect(group.kinds.map(\.rawValue).joined(separator: "+") == types)
                #expect(group.topK <= group.experts)
            }
        }
    }
}
