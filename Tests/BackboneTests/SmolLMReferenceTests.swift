import TestKit
import Testing

@testable import Backbone
@testable import Tensor

/// Loads SmolLM2 once for every test that needs it.
enum SmolLM {
    /// Read-only after loading, so tests running in parallel may share it.
    nonisolated(unsafe) static let loaded: Result<LlamaModel, ModelFileError> = Result { () throws(ModelFileError) in
        try LlamaModel.load(path: SharedData.smolLMPath ?? "missing.gguf")
    }

    static func load() throws -> LlamaModel { try Self.loaded.get() }
}

@Suite(.enabled(if: SharedData.modelAvailable, "needs ../shared/models/smollm2-135m-instruct-q4_1"))
struct SmolLMReferenceTests {
    @Test func configurationFromMetadata() throws {
        let model = try SmolLM.load()
        let c = model.configuration
        #expect(c.blockCount == 30 && c.width == 576 && c.feedForwardWidth == 1536 && c.vocabularySize == 49152)
        #expect(c.heads == 9 && c.kvHeads == 3 && c.headDim == 64 && c.ropeBase == 100_000 && c.tiedEmbeddings)
        #expect(c.ropeConvention == .adjacentPairs)
    }

    /// The README's NumPy reference: the five highest next-token logits after the chat prompt.
    @Test func topFiveLogitsMatchTheReference() throws {
        let model = try SmolLM.load()
        let ids = try #require(model.tokenizer).encode(TokenizerTests.readmePrompt)
        #expect(ids == TokenizerTests.readmeIDs)
        let logits = withoutGradients { model.logits(model.forward(model.embed([ids]))) }
        #expect(logits.shape == [1, ids.count, 49152])
        let last = Array(logits.scalars.suffix(49152))
        let top = last.indices.sorted { last[$0] > last[$1] }.prefix(5)
        let reference: [(Int, Float)] = [(504, 27.86), (60, 26.13), (38634, 26.10), (15319, 25.96), (7026, 25.18)]
        #expect(Array(top) == reference.map(\.0))
        for (id, value) in reference {
            #expect(abs(last[id] - value) < 0.05, "logit of \(id): \(last[id]) vs \(value)")
        }
    }

    @Test func greedyChatAnswersParis() throws {
        let model = try SmolLM.load()
        let tokenizer = try #require(model.tokenizer)
        let prompt = tokenizer.encode(TokenizerTests.readmePrompt)
        let answer = model.generateGreedy(prompt: prompt, maxTokens: 12, stop: tokenizer.specialIDs.eos)
        #expect(tokenizer.decode(answer) == "The capital of France is Paris.<|im_end|>")
    }

    @Test func cachedDecodingEqualsTheFullPass() throws {
        let model = try SmolLM.load()
        let ids = [1, 4093, 198, 1780, 314, 260, 3575, 282]
        withoutGradients {
            let full = model.forward(model.embed([ids])).scalars
            let cache = KeyValueCache(layers: model.configuration.blockCount)
            let first = model.forward(tokens: Array(ids.prefix(5)), cache: cache).scalars
            let rest = model.forward(tokens: Array(ids.suffix(3)), cache: cache).scalars
            let difference = zip(full, first + rest).map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-4)
        }
    }
}
