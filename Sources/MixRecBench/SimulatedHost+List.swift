import ArgumentParser
import Cluster

extension SimulatedHost {
    /// Reads `NAME@ADDRESS` items separated by commas (`--netns mxb0@10.78.0.1,mxb1@10.78.0.2`).
    /// - Throws: `ValidationError` for an item without both parts.
    static func list(_ text: String) throws -> [SimulatedHost] {
        try CommaSeparated.values(text, option: "--netns", expects: "NAMESPACE@ADDRESS items") { item in
            let parts = item.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            return SimulatedHost(namespace: parts[0], address: parts[1])
        }
    }
}
