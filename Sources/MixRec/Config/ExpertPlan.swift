import ConfigKit
import Foundation

/// The architecture of one adapter expert.
public enum ExpertKind: String, CaseIterable, Sendable, Codable {
    /// A low-rank update of the query and value projections (at the MLP site: a low-rank residual branch).
    case lora
    /// A sequential adapter on the sublayer's output: down-projection to the rank, SiLU, up-projection.
    case bottleneck
    /// A parallel adapter: the same shape as `bottleneck`, but reading the sublayer's input.
    case parallel
    /// (IA)³: a learned elementwise rescaling of the sublayer's output.
    case scaling
    /// Contributes nothing; lets the router leave a token unadapted.
    case none
}

/// The mixture of experts used by a contiguous range of backbone layers.
public struct ExpertGroup: Sendable, Equatable {
    /// The group's name in the config (`model.experts.groups.NAME`).
    public var name: String
    /// The backbone layers (0-based, inclusive) this group covers.
    public var layers: ClosedRange<Int>
    /// The expert architectures; expert `e` has kind `kinds[e % kinds.count]`.
    public var kinds: [ExpertKind]
    /// How many experts each routed site holds.
    public var experts: Int
    /// LoRA rank and adapter bottleneck width.
    public var rank: Int
    /// How many experts the router picks per token.
    public var topK: Int

    /// The kind of expert `index`.
    public func kind(ofExpert index: Int) -> ExpertKind {
        self.kinds[index % self.kinds.count]
    }

    /// Whether the group trains nothing, so its layers can be cached like frozen ones.
    public var isFrozen: Bool {
        self.kinds.allSatisfy { $0 == .none }
    }

    /// A short form such as `6-7 lora+bottleneck x4 r8 k2`.
    public var shortDescription: String {
        let kinds = self.kinds.map(\.rawValue).joined(separator: "+")
        if self.isFrozen { return "\(self.layers.lowerBound)-\(self.layers.upperBound) none" }
        return
            "\(self.layers.lowerBound)-\(self.layers.upperBound) \(kinds) x\(self.experts) r\(self.rank) k\(self.topK)"
    }
}

/// Which expert mixture each backbone layer uses: the value the Bayesian optimiser chooses.
///
/// Layers not covered by any group are frozen and unadapted.
public struct ExpertPlan: Sendable, Equatable {
    /// The groups, ordered by their first layer; they do not overlap.
    public private(set) var groups: [ExpertGroup]

    /// Creates a plan after checking that groups fit in `layerCount` layers and do not overlap.
    public init(groups: [ExpertGroup], layerCount: Int) throws {
        let sorted = groups.sorted { $0.layers.lowerBound < $1.layers.lowerBound }
        var nextFree = 0
        for group in sorted {
            let key = "model.experts.groups.\(group.name)"
            guard group.layers.lowerBound >= nextFree else {
                throw ConfigError.invalidValue(
                    key: "\(key).from", value: "\(group.layers.lowerBound)",
                    allowed: "a layer after every layer of the previous group (groups must not overlap)")
            }
            guard group.layers.upperBound < layerCount else {
                throw ConfigError.invalidValue(
                    key: "\(key).to", value: "\(group.layers.upperBound)",
                    allowed: "a layer below backbone.layers (\(layerCount))")
            }
            guard group.topK <= group.experts else {
                throw ConfigError.invalidValue(
                    key: "\(key).top_k", value: "\(group.topK)", allowed: "at most experts (\(group.experts))")
            }
            nextFree = group.layers.upperBound + 1
        }
        self.groups = sorted
    }

    /// The group covering `layer`, if any.
    public func group(forLayer layer: Int) -> ExpertGroup? {
        self.groups.first { $0.layers.contains(layer) && !$0.isFrozen }
    }

    /// The lowest layer that holds anything trainable; layers below it can be cached for a whole run.
    public var firstAdaptedLayer: Int? {
        self.groups.first { !$0.isFrozen }?.layers.lowerBound
    }

    /// One line per plan, e.g. `0-3 none | 4-7 lora+bottleneck x4 r8 k2`.
    public var shortDescription: String {
        self.groups.isEmpty ? "no experts" : self.groups.map(\.shortDescription).joined(separator: " | ")
    }
}

// MARK: - Reading from a config

extension ExpertPlan {
    /// Reads `model.experts.groups`: a mapping of group names to `{from, to, types, experts, rank, top_k}`.
    ///
    /// `types` is a list of kinds or one string joined by `+` (the form a search space proposes).
    public init(from section: ConfigSection, layerCount: Int) throws {
        let groupsSection = try section.section("groups")
        var groups: [ExpertGroup] = []
        for name in groupsSection.keys {
            let entry = try groupsSection.section(name)
            let from = try entry.int("from", min: 0)
            let to = try entry.int("to", min: from)
            let kindNames = try entry.strings("types", default: ["lora"])
                .flatMap { $0.split(separator: "+").map { String($0).trimmingCharacters(in: .whitespaces) } }
            let allowed = ExpertKind.allCases.map(\.rawValue)
            let kinds = try kindNames.map { name in
                guard let kind = ExpertKind(rawValue: name) else {
                    throw ConfigError.invalidValue(
                        key: entry.keyPath("types"), value: name,
                        allowed: "kinds among " + allowed.joined(separator: ", "))
                }
                return kind
            }
            guard !kinds.isEmpty else {
                throw ConfigError.invalidValue(key: entry.keyPath("types"), value: "[]", allowed: "at least one kind")
            }
            let experts = try entry.int("experts", default: kinds.count, min: 1, max: 64)
            groups.append(
                ExpertGroup(
                    name: name, layers: from...to, kinds: kinds, experts: experts,
                    rank: try entry.int("rank", default: 8, min: 1, max: 1024),
                    topK: try entry.int("top_k", default: min(2, experts), min: 1, max: 64)))
        }
        try self.init(groups: groups, layerCount: layerCount)
    }
}
