/// The ChatML conversation format SmolLM2 was tuned on: `<|im_start|>role\ncontent<|im_end|>\n` per message.
public enum ChatTemplate {
    /// One turn of a conversation.
    public struct Message: Sendable, Equatable {
        /// `system`, `user` or `assistant`.
        public var role: String
        /// The text of the turn.
        public var content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// The ChatML text of `messages`, followed by `<|im_start|>assistant\n` when `addGenerationPrompt` is set.
    public static func render(_ messages: [Message], addGenerationPrompt: Bool = true) -> String {
        var text = ""
        for message in messages {
            text += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n"
        }
        if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        return text
    }
}
