import ConfigKit
import Search

/// Reading back the search file stored with a study (its `search.space.` lines).
extension StudyConfig {
    /// The search file of a stored study: space, direction, optimizer and pruner; nil when the study stores none.
    /// - Throws: `ConfigError` when the stored lines do not make a document, `SearchError` when it is not a valid
    ///   search file.
    public static func searchConfig(inCanonicalText text: String) throws -> SearchConfig? {
        let lines = self.lines(under: "search.space.", inCanonicalText: text)
        guard !lines.isEmpty else { return nil }
        let document = try ConfigDocument(canonicalLines: lines, source: "the study's search file")
        return try SearchConfig(document: document)
    }
}
