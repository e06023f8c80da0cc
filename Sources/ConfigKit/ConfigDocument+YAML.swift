import Yams

extension ConfigDocument {
    /// The document as YAML (overrides applied) that reads back to an equal document: what a run saves beside
    /// its results so it can be rebuilt later.
    public var yamlText: String {
        get throws {
            try Yams.serialize(node: Self.node(self.value))
        }
    }

    private static func node(_ value: ConfigValue) -> Node {
        switch value {
        case .scalar(let text): Node(text)
        case .list(let items): Node(items.map { Self.node($0) })
        case .mapping(let pairs): Node(pairs.map { (Node($0.key), Self.node($0.value)) })
        }
    }
}
