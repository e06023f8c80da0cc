import Foundation

@testable import Search

/// Helpers shared by the Search tests.
enum TestSupport {
    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The text of `configs/<name>`.
    static func config(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("configs/\(name)"), encoding: .utf8)
    }

    /// A small conditional space: a categorical parent with a float and an int child, plus a log float.
    static func conditionalSpace() throws -> SearchSpace {
        try SearchSpace(parameters: [
            Parameter(name: "kind", domain: .categorical(["none", "lora", "bottleneck"])),
            Parameter(
                name: "rank", domain: .int(low: 2, high: 64, log: true),
                condition: Condition(parent: "kind", values: ["lora"])),
            Parameter(
                name: "width", domain: .float(low: 0, high: 1, log: false),
                condition: Condition(parent: "kind", values: ["bottleneck", "lora"])),
            Parameter(name: "lr", domain: .float(low: 1e-5, high: 1e-1, log: true)),
        ])
    }

    /// A synthetic objective on `conditionalSpace` (minimised; best near kind=lora, rank 16, width 0.3, lr 1e-3).
    static func conditionalObjective(_ configuration: Configuration) -> Double {
        let lr = configuration["lr"]?.number ?? 1
        var value = pow(log10(lr) + 3, 2)
        switch configuration["kind"]?.string {
        case "lora":
            value += pow(log2(configuration["rank"]?.number ?? 1) - 4, 2) / 4
            value += pow((configuration["width"]?.number ?? 0) - 0.3, 2)
        case "bottleneck": value += 0.5 + pow((configuration["width"]?.number ?? 0) - 0.8, 2)
        default: value += 1
        }
        return value
    }
}
