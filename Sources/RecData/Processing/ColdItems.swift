// MARK: - Cold items

/// Items held out of training to measure how a model ranks items no one has interacted with yet (`eval.cold_items`).
///
/// A seeded random fraction of all items is taken out of every training sequence and every input history; half of
/// them are validation's cold items, the other half test's. The items keep their text, so a model that reads text
/// can still rank them; an ID model has learnt nothing about them.
public struct ColdItems: Sendable, Equatable {
    /// The fraction of items held out.
    public let fraction: Double
    /// Every held-out item, ascending.
    public let items: [Int32]
    /// Per item: the stage whose cold targets it belongs to, or nil for an item training sees.
    private let stages: [EvaluationStage?]

    /// Draws `round(fraction · itemCount)` items with `seed`; the first half drawn (rounded up) is validation's.
    /// - Precondition: `0 < fraction < 1`.
    public init(itemCount: Int, fraction: Double, seed: UInt64) {
        precondition(fraction > 0 && fraction < 1, "the cold fraction must be in (0, 1)")
        var order = Array(0..<itemCount)
        var random = SeededRandom(seed: seed, stream: 0xC01D)
        random.shuffle(&order)
        let count = Int((fraction * Double(itemCount)).rounded())
        var stages = [EvaluationStage?](repeating: nil, count: itemCount)
        for (index, item) in order.prefix(count).enumerated() {
            stages[item] = index < (count + 1) / 2 ? .validation : .test
        }
        self.fraction = fraction
        self.stages = stages
        self.items = stages.indices.filter { stages[$0] != nil }.map { Int32($0) }
    }

    /// Whether `item` is held out of training.
    public func contains(_ item: Int32) -> Bool { self.stages[Int(item)] != nil }

    /// The stage whose cold targets `item` belongs to (nil: a warm item).
    public func stage(of item: Int32) -> EvaluationStage? { self.stages[Int(item)] }

    /// The held-out items of `stage`, ascending.
    public func items(of stage: EvaluationStage) -> [Int32] {
        self.stages.indices.filter { self.stages[$0] == stage }.map { Int32($0) }
    }
}
