// MARK: - Errors

/// Why a dataset could not be read.
public enum DataReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dataset folder does not exist.
    case folderNotFound(path: String)
    /// A file the format needs is not in the folder.
    case missingFile(path: String)
    /// A file exists but could not be read.
    case unreadableFile(path: String)
    /// `auto` found no file that names a known format.
    case formatNotDetected(folder: String, files: [String])
    /// A row does not have the expected shape (under the `fail` policy, or a header row).
    case malformedRow(MalformedRow)
    /// The files held no interactions at all.
    case noInteractions(folder: String)
    /// `data.text_fields` names attributes that no item has.
    case unknownTextField(fields: [String], available: [String])

    public var description: String {
        switch self {
        case .folderNotFound(let path):
            "dataset folder not found: \(path)"
        case .missingFile(let path):
            "missing dataset file: \(path)"
        case .unreadableFile(let path):
            "cannot read dataset file: \(path)"
        case .formatNotDetected(let folder, let files):
            "cannot detect the dataset format in \(folder): expected u.data, ratings.dat, ratings.csv, "
                + "sequences.txt or a RecBole .inter file; found \(files.isEmpty ? "no files" : files.joined(separator: ", "))"
        case .malformedRow(let row):
            "malformed row: \(row)"
        case .noInteractions(let folder):
            "no interactions in \(folder)"
        case .unknownTextField(let fields, let available):
            "data.text_fields names \(fields.joined(separator: ", ")), which no item has; "
                + "the item attributes are: \(available.joined(separator: ", "))"
        }
    }
}

// MARK: - Malformed rows

/// One rejected input row: where it is and what is wrong with it.
public struct MalformedRow: Sendable, Equatable, CustomStringConvertible {
    /// The file name (last path component).
    public let file: String
    /// The 1-based line number.
    public let line: Int
    /// What is wrong, e.g. "expected 4 fields, found 3".
    public let reason: String

    /// A rejected row of `file` at 1-based `line`, with what is wrong.
    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(self.file):\(self.line): \(self.reason)" }
}

/// What a reader does with a malformed row.
public enum MalformedRowPolicy: String, Sendable, CaseIterable {
    /// Skip it, count it and keep a few examples in the `ReadReport`.
    case skip
    /// Stop with `DataReadError.malformedRow`.
    case fail
}

/// Applies a `MalformedRowPolicy` while a reader runs: throws, or counts and keeps the first examples.
struct MalformedRowLog: Sendable {
    /// How many examples the report keeps.
    static let exampleLimit = 5

    let policy: MalformedRowPolicy
    private(set) var skippedCount = 0
    private(set) var examples: [MalformedRow] = []

    init(policy: MalformedRowPolicy) {
        self.policy = policy
    }

    /// Records a malformed row: throws under `fail`, counts it under `skip`.
    mutating func reject(file: String, line: Int, reason: String) throws(DataReadError) {
        let row = MalformedRow(file: file, line: line, reason: reason)
        if self.policy == .fail { throw .malformedRow(row) }
        self.skippedCount += 1
        if self.examples.count < Self.exampleLimit { self.examples.append(row) }
    }
}
