import Tensor

/// The attention structure of one sequence as a list of segments: a span sees only itself (causally), a global
/// segment sees everything before it and itself (causally).
///
/// This is MixRec's context mask: item spans (`[CF] text [ALIGN]`) are self-contained and `[SEQ]` tokens are
/// global. Because a span depends only on its own tokens, its states can be computed once and reused
/// (see ``LlamaModel/spanStates(_:hook:)``).
public struct SpanLayout: Sendable, Equatable {
    /// A run of consecutive positions.
    public enum Segment: Sendable, Equatable {
        /// Positions that see only this segment, causally.
        case span(length: Int)
        /// Positions that see every earlier position and themselves.
        case global(length: Int)

        var length: Int {
            switch self {
            case .span(let length), .global(let length): length
            }
        }
    }

    /// The segments in order.
    public var segments: [Segment]

    public init(_ segments: [Segment]) {
        self.segments = segments
    }

    /// The number of positions.
    public var length: Int { self.segments.reduce(0) { $0 + $1.length } }

    /// The structured mask groups of this layout.
    public var maskGroups: [KeyRangeMask.Group] {
        var groups: [KeyRangeMask.Group] = []
        var start = 0
        for segment in self.segments {
            let rows = start..<(start + segment.length)
            switch segment {
            case .span: groups.append(.init(queryRows: rows, keyRanges: [rows], causalOffset: 0))
            case .global: groups.append(.init(queryRows: rows, keyRanges: [0..<rows.upperBound], causalOffset: 0))
            }
            start = rows.upperBound
        }
        return groups
    }

    /// The structured attention mask of a batch with these layouts (all of the same length).
    public static func mask(_ layouts: [SpanLayout]) -> AttentionMask {
        precondition(Set(layouts.map(\.length)).count <= 1, "span layouts of one batch must have equal lengths")
        return .keyRanges(KeyRangeMask(perBatch: layouts.map(\.maskGroups)))
    }
}
