import Cluster
import MixRec

/// The file format of batch recommendations (`mixrec recommend --out FILE`), chosen by the file's extension.
public enum RecommendationFormat: String, Sendable, CaseIterable {
    /// `.csv`: a header `user,rank,item,score,title`, then one row per recommended item (RFC 4180 quoting, CRLF).
    case csv
    /// `.jsonl`: one object per user, `{"user": …, "items": [{"item": …, "score": …, "title": …}, …]}`.
    case jsonl

    /// The format of a file named `path`, or nil for another extension.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: ".") else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }

    /// What the file starts with.
    public var header: String {
        switch self {
        case .csv: "user,rank,item,score,title\r\n"
        case .jsonl: ""
        }
    }

    /// One user's lines, each ending in a line break.
    public func lines(_ recommendations: UserRecommendations) -> String {
        switch self {
        case .csv:
            recommendations.items.enumerated().map { rank, entry in
                [recommendations.user, "\(rank + 1)", entry.item, "\(entry.score)", entry.title]
                    .map(TrialCSV.field).joined(separator: ",") + "\r\n"
            }.joined()
        case .jsonl: CanonicalJSON.encode(recommendations) + "\n"
        }
    }
}
