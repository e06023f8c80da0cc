import Tensor

/// The items no training sequence holds (with `eval.cold_items`, the cold items; otherwise items seen only as
/// validation or test targets): the ID model has never placed them, so ``ScoreCalibration`` may score them by text.
public struct UnseenItems {
    /// `[1, I]`: 1 for unseen items, else 0.
    public let mask: Tensor
    /// Each unseen item's ``ScoreCalibration/neighbourCount`` text-nearest trained items.
    let neighbours: TextNeighbourScores

    /// nil when every item is in some training sequence.
    /// - Parameter textVectors: `[I, D]` the items' unit-length frozen text vectors.
    init?(itemCount: Int, trainingSequences: [ArraySlice<Int32>], textVectors: Tensor) {
        var seen = [Bool](repeating: false, count: itemCount)
        for sequence in trainingSequences {
            for item in sequence { seen[Int(item)] = true }
        }
        guard seen.contains(false) else { return nil }
        self.mask = Tensor(seen.map { $0 ? 0 : 1 }, shape: [1, itemCount])
        self.neighbours = TextNeighbourScores(
            textVectors: textVectors, unseen: self.mask, count: ScoreCalibration.neighbourCount)
    }
}
