import Foundation
import TestKit
import Testing

@testable import Backbone

/// Loads SmolLM2's tokenizer once for all tests.
enum SmolLMTokenizer {
    static let loaded: Result<BPETokenizer, ModelFileError> = Result { () throws(ModelFileError) in
        try BPETokenizer(gguf: try GGUFFile(path: SharedData.smolLMPath ?? "missing.gguf"))
    }

    static func load() throws -> BPETokenizer { try Self.loaded.get() }
}

@Suite struct TokenizerTests {
    /// Reference ids from Hugging Face `tokenizers` 0.23 configured as SmolLM2's `tokenizer.json` (BPE over the
    /// README's vocab.json/merges.txt, Digits(individual) then ByteLevel, the 17 control tokens as added tokens).
    static let referenceCases: [(String, [Int])] = [
        (
            "Héllo wörld! Ça va? naïve café — “quotes” 🎉🙂👍🏽 family: 👨\u{200d}👩\u{200d}👧",
            [
                56, 2756, 31394, 267, 29989, 400, 17, 5549, 225, 81, 46316, 47, 15486, 46494, 37366, 1841, 619, 385,
                2346, 573, 15107, 232, 227, 10813, 38887, 10813, 235, 231, 10813, 233, 138, 1564, 42, 15107, 235, 118,
                321, 231, 10813, 235, 119, 321, 231, 10813, 235, 117,
            ]
        ),
        (
            "Prices: 12345, 3.14159 and ½ ² ٣ (Arabic-Indic three)",
            [
                64, 12855, 42, 216, 33, 34, 35, 36, 37, 28, 216, 35, 30, 33, 36, 33, 37, 41, 284, 216, 16738, 216,
                19133, 216, 164, 113, 365, 44970, 29, 5080, 286, 1296, 25,
            ]
        ),
        (
            "  leading spaces\t\ttabs\n\n\nnewlines   \n trailing   ",
            [216, 2899, 5600, 197, 197, 100, 7366, 1116, 198, 2241, 5110, 333, 198, 35079, 333]
        ),
        (
            "I'm sure you've seen it; they'll say we'd DON'T 's",
            [57, 5248, 2090, 346, 3543, 2269, 357, 43, 502, 3060, 1643, 392, 6737, 422, 2154, 23, 68, 637, 99]
        ),
        (
            "中文字符和日本語のテキスト、한국어",
            [
                28589, 29184, 36518, 40562, 116, 42179, 23274, 115, 40993, 179, 120, 248, 26453, 11100, 224, 10391, 251,
                10391, 134, 11100, 226, 29917, 33085, 246, 181, 130, 251, 183, 240, 129,
            ]
        ),
        (
            "x  1  \n2",
            [104, 256, 33, 32057, 34]
        ),
        (
            "The Lord of the Rings: The Fellowship of the Ring (2001) [Blu-ray]",
            [
                504, 5151, 282, 260, 43047, 42, 378, 37329, 282, 260, 23040, 365, 34, 32, 32, 33, 25, 933, 50, 1374, 29,
                1484, 77,
            ]
        ),
        (
            "a\u{a0}b\u{2003}c\u{3000}d",
            [81, 15442, 82, 321, 221, 83, 12109, 218, 84]
        ),
    ]

    static let readmePrompt = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    static let readmeIDs = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]

    // MARK: - Pre-tokenizer (no vocabulary needed)

    func pieces(_ text: String, splitDigits: Bool = true) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let classes = scalars.map(PreTokenizer.scalarClass)
        var pieces: [String] = []
        PreTokenizer.split(scalars, classes: classes, splitDigits: splitDigits) { range in
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[range])
            pieces.append(String(piece))
        }
        return pieces
    }

    @Test func preTokenizerFollowsTheExpressions() {
        #expect(self.pieces("Hello  world") == ["Hello", " ", " world"])
        #expect(self.pieces("it's 42!!\n\n  x") == ["it", "'s", " ", "4", "2", "!!", "\n\n ", " x"])
        #expect(self.pieces("a  1", splitDigits: false) == ["a", " ", " 1"])
        #expect(self.pieces("a  1") == ["a", "  ", "1"], "look-ahead stops where the digit piece starts")
        #expect(self.pieces("end   ") == ["end", "   "])
        #expect(self.pieces("\nword") == ["\n", "word"])
        #expect(self.pieces("éé ñ") == ["éé", " ñ"])
        #expect(self.pieces(" ?'ll") == [" ?'", "ll"])
    }

    // MARK: - SmolLM2's vocabulary

    @Test(.enabled(if: SharedData.modelAvailable, "needs ../shared/models/smollm2-135m-instruct-q4_1"))
    func readmePromptMatchesExactly() throws {
        let tokenizer = try SmolLMTokenizer.load()
        #expect(tokenizer.encode(Self.readmePrompt) == Self.readmeIDs)
        #expect(tokenizer.specialIDs == .init(bos: 1, eos: 2, unknown: 0, padding: 2))
        #expect(tokenizer.decode(Self.readmeIDs) == Self.readmePrompt)
    }

    @Test(.enabled(if: SharedData.modelAvailable, "needs ../shared/models/smollm2-135m-instruct-q4_1"))
    func matchesReferenceOnHardText() throws {
        let tokenizer = try SmolLMTokenizer.load()
        for (text, ids) in Self.referenceCases {
            #expect(tokenizer.encode(text) == ids, "\(text.debugDescription)")
            #expect(tokenizer.decode(ids) == text)
        }
    }

    @Test(.enabled(if: SharedData.modelAvailable, "needs ../shared/models/smollm2-135m-instruct-q4_1"))
    func specialTokensAreOptional() throws {
        let tokenizer = try SmolLMTokenizer.load()
        let plain = tokenizer.encode("<|im_end|>", parseSpecial: false)
        #expect(plain.count > 1 && !plain.contains(2))
        #expect(tokenizer.decode(plain) == "<|im_end|>")
        #expect(tokenizer.encode("a<|im_end|>b") == [tokenizer.encode("a")[0], 2, tokenizer.encode("b")[0]])
    }

    @Test func chatTemplateIsChatML() {
        let text = ChatTemplate.render([.init(role: "user", content: "What is the capital of France?")])
        #expect(text == Self.readmePrompt)
    }

    // MARK: - tokenizer.json

    @Test(.enabled(if: SharedData.modelAvailable, "needs ../shared/models/smollm2-135m-instruct-q4_1"))
    func tokenizerJSONGivesTheSameIDs() throws {
        let tokenizer = try SmolLMTokenizer.load()
        let scratch = try ScratchFolder()
        let vocab = Dictionary(uniqueKeysWithValues: tokenizer.tokens.enumerated().map { ($1, $0) })
        let gguf = try GGUFFile(path: try #require(SharedData.smolLMPath))
        let json: [String: Any] = [
            "added_tokens": (0..<17).map { ["id": $0, "content": tokenizer.tokens[$0], "special": true] },
            "pre_tokenizer": [
                "type": "Sequence",
                "pretokenizers": [
                    ["type": "Digits", "individual_digits": true],
                    ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
                ],
            ],
            "model": ["type": "BPE", "vocab": vocab, "merges": try gguf.strings("tokenizer.ggml.merges")],
        ]
        let path = scratch.path("tokenizer.json")
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        let fromJSON = try BPETokenizer(tokenizerJSONAt: path, specialIDs: .init(bos: 1, eos: 2))
        #expect(fromJSON.tokens == tokenizer.tokens)
        for (text, ids) in Self.referenceCases + [(Self.readmePrompt, Self.readmeIDs)] {
            #expect(fromJSON.encode(text) == ids, "\(text.debugDescription)")
        }
    }

    @Test func malformedTokenizerJSONIsRejected() throws {
        let scratch = try ScratchFolder()
        let path = scratch.path("tokenizer.json")
        try Data("{\"model\": {\"type\": \"Unigram\"}}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelFileError(file: path, item: "model", "expected a BPE model")) {
            try BPETokenizer(tokenizerJSONAt: path)
        }
        try Data("{\"model\": ".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ModelFileError.self) { try BPETokenizer(tokenizerJSONAt: path) }
        #expect(error?.problem.hasPrefix("is not valid JSON") == true)
    }
}
