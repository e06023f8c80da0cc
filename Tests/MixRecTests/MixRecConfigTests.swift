import ConfigKit
import RecData
import Testing

@testable import MixRec

@Suite struct MixRecConfigTests {
    func config(_ yaml: String, overrides: [String] = []) throws -> MixRecConfig {
        var document = try ConfigDocument(yaml: yaml)
        for assignment in overrides { try document.override(assignment) }
        return try MixRecConfig(document: document)
    }

    @Test func anEmptyConfigIsTheSyntheticDefault() throws {
        let config = try self.config("")
        guard case .synthetic(let generator) = config.data.source else {
            Issue.record("expected the synthetic source")
            return
        }
        #expect(generator.userCount == 300)
        #expect(config.backbone.layers == 8)
        #expect(config.model.experts.shortDescription == "6-7 lora+bottleneck x4 r8 k2")
        #expect(config.model.sequenceView == .summaries)
    }

    @Test func readsEverySectionAndOverrides() throws {
        let config = try self.config(
            """
            seed: 3
            data: {format: ml-100k, path: /data/ml-100k, text_fields: [title, genres], max_history: 30}
            backbone: {layers: 4}
            model:
              seq_view: all
              context_masking: false
              collaborative: {width: 32, heads: 2, dropout: 0.3}
              experts:
                groups:
                  top: {from: 2, to: 3, types: [parallel], experts: 2, top_k: 1}
            losses: {hard: 0}
            train: {epochs: 5, lr: 0.002}
            eval: {exclude_history: false}
            """, overrides: ["train.epochs=7", "model.experts.groups.top.types=scaling"])
        #expect(config.seed == 3)
        #expect(config.data.source == .folder(path: "/data/ml-100k", format: .movieLens100K))
        #expect(config.data.textFields == ["title", "genres"])
        #expect(config.model.sequenceView == .all)
        #expect(!config.model.contextMasking)
        #expect(config.model.collaborative.width == 32)
        // Attention dropout follows `dropout` unless set.
        #expect(config.model.collaborative.attentionDropout == 0.3)
        let separate = try self.config("model: {collaborative: {dropout: 0.3, attention_dropout: 0}}")
        #expect(separate.model.collaborative.dropout == 0.3 && separate.model.collaborative.attentionDropout == 0)
        #expect(config.model.experts.groups[0].kinds == [.scaling])
        #expect(config.losses.hard == 0)
        #expect(config.training.epochs == 7)
        #expect(!config.evaluation.excludeHistory)
        // Training excludes the history as evaluation does, unless set.
        let defaults = try self.config("")
        let kept = try self.config("train: {exclude_history: false}")
        #expect(!config.trainingExcludesHistory && defaults.trainingExcludesHistory && !kept.trainingExcludesHistory)
    }

    @Test func coldItemsAndHeadItemsAreValidated() throws {
        let config = try self.config("eval: {cold_items: 0.1, head_items: 0.3}")
        #expect(config.evaluation.coldItems == 0.1 && config.evaluation.headItems == 0.3)
        #expect(try self.config("").evaluation.coldItems == 0)
        for bad in ["eval.cold_items=0.6", "eval.cold_items=-0.1", "eval.cold_items=some", "eval.head_items=0"] {
            #expect(throws: ConfigError.self, "\(bad)") { try self.config("", overrides: [bad]) }
        }
    }

    @Test func theUnseenWarmAllowanceIsOffUnlessSetWithTheCalibration() throws {
        #expect(try self.config("").evaluation.unseenWarmAllowance == 0)
        #expect(try self.config("eval: {calibrate: true}").evaluation.unseenWarmAllowance == 0)
        let config = try self.config("eval: {calibrate: true, unseen_warm_allowance: 0.05}")
        #expect(config.evaluation.unseenWarmAllowance == 0.05)
        // 0 is today's rule and needs no calibration.
        #expect(try self.config("eval: {unseen_warm_allowance: 0}").evaluation.unseenWarmAllowance == 0)
        let widest = try self.config("eval: {calibrate: true, unseen_warm_allowance: 0.5}")
        #expect(widest.evaluation.unseenWarmAllowance == 0.5)
    }

    @Test func errorsNameTheKey() {
        let cases: [(String, String)] = [
            ("data: {format: ml-100k}", "data.path"),
            ("data: {format: parquet}", "data.format"),
            ("backbone: {layers: 0}", "backbone.layers"),
            ("train: {lr: -1}", "train.lr"),
            ("train: {cf_lr_scale: -0.5}", "train.cf_lr_scale"),
            ("train: {exclude_history: sometimes}", "train.exclude_history"),
            ("model: {collaborative: {width: 30, heads: 4}}", "model.collaborative.heads"),
            ("model: {collaborative: {attention_dropout: 0.95}}", "model.collaborative.attention_dropout"),
            ("model: {collaborative: {id_dropout: 0.2}}", "model.collaborative.id_dropout"),
            ("model: {collaborative: {item_text: true, id_dropout: 1}}", "model.collaborative.id_dropout"),
            ("model: {seq_view: everything}", "model.seq_view"),
            ("eval: {calibrate: true, unseen_warm_allowance: 0.6}", "eval.unseen_warm_allowance"),
            ("eval: {calibrate: true, unseen_warm_allowance: -0.1}", "eval.unseen_warm_allowance"),
            ("eval: {calibrate: true, unseen_warm_allowance: some}", "eval.unseen_warm_allowance"),
            ("eval: {unseen_warm_allowance: 0.05}", "eval.unseen_warm_allowance"),
            ("trian: {epochs: 3}", "trian"),
        ]
        for (yaml, key) in cases {
            do {
                _ = try self.config(yaml)
                Issue.record("\(yaml) was accepted")
            } catch {
                #expect("\(error)".contains("'\(key)"), "\(yaml): \(error)")
            }
        }
    }

    @Test func defaultExpertsFollowTheBackboneDepth() throws {
        let config = try self.config("backbone: {layers: 30}")
        #expect(config.model.experts.firstAdaptedLayer == 23)
    }
}
