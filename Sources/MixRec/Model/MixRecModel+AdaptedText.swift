import Tensor

/// The expert-adapted text representation in the collaborative model's scores (`model.collaborative.adapted_text`):
/// where the collaborative model scores items, each item's text features become its frozen text vector moved
/// towards its expert-adapted one (the item tower's `[ALIGN]` state, normalised as W's initialisation normalises
/// the frozen one) by a weight that falls with the item's training popularity. Experts then change the scores
/// that rank, most for the items the ID model has learnt least about. With every expert at the identity the
/// adapted vector is the frozen one, so joint training starts from the warm-started collaborative ranking.
extension MixRecModel {
    /// `[n, D]` unit-length text vectors of `[n, D]` final `[ALIGN]` states, as ``itemTextVectors`` are made
    /// (differentiable): RMS-normalised, less the items' mean initial state, scaled to unit length.
    func textVectors(align: Tensor) -> Tensor {
        let centred = Tensor.rmsNorm(align, weight: self.unitGain, epsilon: 1e-6) - self.scoreCentre
        let width = Float(self.backbone.configuration.width)
        // x / max(‖x‖, 1e-6), as the initialisation: ‖x‖² = D · mean(x²).
        return Tensor.rmsNorm(centred, weight: self.unitGain, epsilon: 1e-12 / width).scaled(by: 1 / width.squareRoot())
    }

    /// `[n, D]`: the text features of `items` whose final `[ALIGN]` states are `align`: the frozen vectors moved
    /// towards the adapted ones by each item's ``adaptedTextWeights`` (differentiable in `align`).
    func blendedTextVectors(items: [Int], align: Tensor) -> Tensor {
        let frozen = self.itemTextVectors.gather(rows: items)
        return frozen + (self.textVectors(align: align) - frozen) * self.adaptedTextWeights.gather(rows: items)
    }

    /// `[I, c]`: the collaborative model's item vectors with the blended text features of `encoding`'s items and the
    /// cached ones (``refreshAdaptedText()``) of the others; nil unless `adapted_text` is on.
    func adaptedCollaborativeItems(_ encoding: ItemEncoding) -> Tensor? {
        guard self.config.model.collaborative.adaptedText, let collaborative = self.collaborative else { return nil }
        let cache = self.adaptedTextCache
        let change = collaborative.projectedText(
            self.blendedTextVectors(items: encoding.items, align: encoding.align) - cache.gather(rows: encoding.items))
        let base = collaborative.itemVectors(textFeatures: cache)
        return change.map { base + $0.placed(at: encoding.items, count: self.itemCount) } ?? base
    }

    /// Encodes every item with the experts as they are and keeps their blended text features: the values of the
    /// items a training step does not encode (a no-op unless `adapted_text` is on).
    public func refreshAdaptedText() {
        guard self.config.model.collaborative.adaptedText else { return }
        self.adaptedTextCache = withoutGradients {
            self.blendedTextVectors(items: Array(0..<self.itemCount), align: self.encodeAllItems().align)
        }
        self.experts.reset()
    }

    /// Sets each item's weight of its adapted text to `m / (m + n_i)`, where `n_i` counts the item's occurrences in
    /// `trainingSequences` and `m` is the median count over the items (at least 1): an item seen far more often
    /// than most keeps close to its frozen text, which its ID embedding has already been fitted with; a rare or
    /// unseen item takes its adapted text almost whole. Scale-free, so it transfers across datasets.
    public func useTrainingPopularity(_ trainingSequences: [ArraySlice<Int32>]) {
        var counts = [Float](repeating: 0, count: self.itemCount)
        for sequence in trainingSequences { for item in sequence { counts[Int(item)] += 1 } }
        let median = max(counts.sorted()[counts.count / 2], 1)
        self.adaptedTextWeights = Tensor(counts.map { median / (median + $0) }, shape: [self.itemCount, 1])
    }
}
