import ArgumentParser
import Backbone
import Tensor

/// `mixrec generate`: greedy text generation with the backbone, the plainest proof that it is right.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text greedily with the backbone LLM (a .gguf file or a Hugging Face model folder)."
    )

    @Option(help: "A .gguf file or a Hugging Face folder (default: the model fetched by scripts/setup).")
    var model: String?

    @Option(help: "The text to continue.")
    var prompt: String

    @Flag(help: "Wrap the prompt as a user turn in the model's ChatML template.")
    var chat = false

    @Option(help: "The most tokens to generate.")
    var maxTokens = 64

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard self.maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1.") }
    }

    func run() throws {
        self.runtime.apply()
        // A missing file is reported by `load`, which points at scripts/setup for the default model.
        let path = self.model ?? LlamaModel.defaultModelPath
        let backbone = try LlamaModel.load(path: path)
        guard let tokenizer = backbone.tokenizer else {
            throw ValidationError("\(path) has no tokenizer (a Hugging Face folder needs tokenizer.json).")
        }
        let text = self.chat ? ChatTemplate.render([.init(role: "user", content: self.prompt)]) : self.prompt
        let ids = tokenizer.encode(text)
        guard !ids.isEmpty else { throw ValidationError("The prompt is empty.") }
        let generated = backbone.generateGreedy(prompt: ids, maxTokens: self.maxTokens, stop: tokenizer.specialIDs.eos)
        let answer = generated.last == tokenizer.specialIDs.eos ? Array(generated.dropLast()) : generated
        print(tokenizer.decode(answer))
    }
}
