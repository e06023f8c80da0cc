import Tensor

// MARK: - Key/value cache

/// The keys and values of every token processed so far, per layer, for incremental decoding of one sequence
/// (batch 1). Each layer holds `[1, count, KV·d]` keys (already rotated) and values.
public final class KeyValueCache {
    var keys: [Tensor?]
    var values: [Tensor?]
    /// Tokens cached so far (the position of the next token).
    public private(set) var count = 0

    /// An empty cache for a model with `layers` blocks.
    public init(layers: Int) {
        self.keys = Array(repeating: nil, count: layers)
        self.values = Array(repeating: nil, count: layers)
    }

    func advance(by tokens: Int) {
        self.count += tokens
    }
}

/// Attention of new tokens against the cached ones and themselves (causal), appending their keys and values.
struct CachedAttention: AttentionContext {
    let cache: KeyValueCache
    let configuration: LlamaConfiguration

    mutating func keysAndValues(layer: Int, key: Tensor, value: Tensor) -> (
        keys: Tensor, values: Tensor, mask: AttentionMask
    ) {
        let past = self.cache.count
        let keys = self.cache.keys[layer].map { Tensor.concat([$0, key], axis: 1) } ?? key
        let values = self.cache.values[layer].map { Tensor.concat([$0, value], axis: 1) } ?? value
        self.cache.keys[layer] = keys
        self.cache.values[layer] = values
        return (keys, values, .causal(offset: past))
    }
}

// MARK: - Decoding

extension LlamaModel {
    /// Runs `tokens` (one sequence) after what `cache` holds and appends their keys and values to it.
    /// - Returns: the final hidden states of the new tokens, `[1, tokens.count, D]`.
    public func forward(tokens: [Int], cache: KeyValueCache) -> Tensor {
        precondition(cache.keys.count == self.configuration.blockCount, "cache built for another depth")
        let positions = Array(cache.count..<(cache.count + tokens.count))
        var context = CachedAttention(cache: cache, configuration: self.configuration)
        let hidden = self.run(self.embed([tokens]), positions: positions, context: &context, hook: nil)
        cache.advance(by: tokens.count)
        return hidden
    }

    /// Greedy decoding: feeds `prompt`, then repeatedly appends the most likely next token, using a key/value
    /// cache so each step costs one token. Stops after `maxTokens` or at `stop` (included in the result).
    /// - Returns: the generated token ids (without the prompt).
    public func generateGreedy(prompt: [Int], maxTokens: Int, stop: Int? = nil) -> [Int] {
        precondition(!prompt.isEmpty, "generate: empty prompt")
        return withoutGradients {
            let cache = KeyValueCache(layers: self.configuration.blockCount)
            var next = prompt
            var generated: [Int] = []
            while generated.count < maxTokens {
                let hidden = self.forward(tokens: next, cache: cache)
                let last = hidden.slice(axis: 1, (next.count - 1)..<next.count)
                let token = Self.argmax(self.logits(last).scalars)
                generated.append(token)
                if token == stop { break }
                next = [token]
            }
            return generated
        }
    }

    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for index in values.indices where values[index] > values[best] { best = index }
        return best
    }
}
