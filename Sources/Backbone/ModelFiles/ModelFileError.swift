/// A model file (GGUF, safetensors, `config.json`, `tokenizer.json`) that cannot be used as it is.
///
/// The description names the file, the tensor or key concerned (when there is one) and what was expected, so a
/// truncated download or a checkpoint of an unsupported kind is reported instead of loading a wrong model.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    /// The file that was being read.
    public let file: String
    /// The tensor or metadata key concerned, if any.
    public let item: String?
    /// What was wrong and what was expected.
    public let problem: String

    /// Creates an error for `file`, optionally about one tensor or key.
    public init(file: String, item: String? = nil, _ problem: String) {
        self.file = file
        self.item = item
        self.problem = problem
    }

    public var description: String {
        if let item = self.item {
            return "\(self.file): \(item): \(self.problem)"
        }
        return "\(self.file): \(self.problem)"
    }
}
