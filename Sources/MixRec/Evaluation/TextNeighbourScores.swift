import Foundation
import Tensor

/// Scores items no training sequence holds by the scores of their text neighbours among trained items: each
/// unseen item `u` takes `Σ_k a_uk · s(n_uk)`, with `n_u1…n_uK` the K trained items whose frozen text vectors are
/// nearest to `u`'s and `a_u` the softmax of those cosines at temperature ``temperature``. A new item inherits what
/// the model thinks of the user and the products it reads like, on the scale of the model's own scores
/// (docs/RESULTS.md, "Cold items": among new items the target ranks higher than by the item's own score).
public struct TextNeighbourScores {
    /// The softmax temperature of the neighbours' cosines.
    static let temperature: Float = 0.05

    /// The unseen items, in the order of ``neighbours``.
    let unseenItems: [Int]
    /// Per unseen item, its K nearest trained items and their weights (summing to 1).
    let neighbours: [[(item: Int, weight: Float)]]

    /// - Parameters:
    ///   - textVectors: `[I, D]` the items' unit-length frozen text vectors.
    ///   - unseen: `[1, I]`, 1 for items no training sequence holds.
    ///   - count: K.
    public init(textVectors: Tensor, unseen: Tensor, count: Int) {
        let mask = unseen.scalars.map { $0 != 0 }
        let unseenItems = mask.indices.filter { mask[$0] }
        let trainedItems = mask.indices.filter { !mask[$0] }
        let similarities = Tensor.matmul(
            textVectors.gather(rows: unseenItems), textVectors.gather(rows: trainedItems), transposeB: true)
        let values = similarities.scalars
        let trainedCount = trainedItems.count
        self.unseenItems = unseenItems
        self.neighbours = unseenItems.indices.map { row in
            let nearest = Self.largest(count, of: values[(row * trainedCount)..<((row + 1) * trainedCount)])
            guard let top = nearest.first?.value else { return [] }
            let raw = nearest.map { expf(($0.value - top) / Self.temperature) }
            let total = raw.reduce(0, +)
            return zip(nearest, raw).map { (trainedItems[$0.offset], $1 / total) }
        }
    }

    /// The `count` largest of `values`, largest first, with their offsets from the slice's start (one pass,
    /// `count` small: no sort of the whole row).
    static func largest(_ count: Int, of values: ArraySlice<Float>) -> [(offset: Int, value: Float)] {
        guard count > 0 else { return [] }
        var kept: [(offset: Int, value: Float)] = []
        kept.reserveCapacity(count + 1)
        for (offset, value) in values.enumerated() where kept.count < count || value > kept[kept.count - 1].value {
            let position = kept.firstIndex { value > $0.value } ?? kept.count
            kept.insert((offset, value), at: position)
            if kept.count > count { kept.removeLast() }
        }
        return kept
    }

    /// `scores` (`[R, I]`) with each unseen item's column replaced by its neighbours' weighted scores.
    public func apply(to scores: Tensor) -> Tensor {
        let items = scores.shape[1]
        var result = scores.scalars
        result.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<scores.shape[0] {
                let scores = UnsafeBufferPointer(rebasing: buffer[(row * items)..<((row + 1) * items)])
                for (index, item) in self.unseenItems.enumerated() {
                    buffer[row * items + item] = self.score(ofUnseen: index, in: scores)
                }
            }
        }
        return Tensor(result, shape: scores.shape)
    }

    /// The weighted score of the `index`-th unseen item from its neighbours' in the score row `row` (they are
    /// trained items, so no replaced score is read).
    func score(ofUnseen index: Int, in row: UnsafeBufferPointer<Float>) -> Float {
        self.neighbours[index].reduce(0) { $0 + $1.weight * row[$1.item] }
    }
}
