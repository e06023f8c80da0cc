import Backbone
import Tensor

/// The expert-adapted text representation in the collaborative model's scores (`model.collaborative.adapted_text`):
/// each item's `[ALIGN]` state from the item tower, normalised as W's initialisation normalises the frozen one,
/// takes the place of its frozen text features where the collaborative model scores items. Experts then change the
/// scores that rank. With every expert at the identity the adapted state is the frozen one, so joint training starts
/// from the warm-started collaborative ranking.
extension MixRecModel {
    /// `[n, D]` unit-length text vectors of `[n, D]` final `[ALIGN]` states, as ``itemTextVectors`` are made
    /// (differentiable): RMS-normalised, less the items' mean initial state, scaled to unit length.
    func textVectors(align: Tensor) -> Tensor {
        let centred = Tensor.rmsNorm(align, weight: self.unitGain, epsilon: 1e-6) - self.scoreCentre
        let width = Float(self.backbone.configuration.width)
        // x / max(‖x‖, 1e-6), as the initialisation: ‖x‖² = D · mean(x²).
        return Tensor.rmsNorm(centred, weight: self.unitGain, epsilon: 1e-12 / width).scaled(by: 1 / width.squareRoot())
    }

    /// `[I, c]`: the collaborative model's item vectors with the adapted text vectors of `encoding`'s items and the
    /// cached ones (``refreshAdaptedText()``) of the others; nil unless `adapted_text` is on.
    func adaptedCollaborativeItems(_ encoding: ItemEncoding) -> Tensor? {
        guard self.config.model.collaborative.adaptedText, let collaborative = self.collaborative else { return nil }
        let cache = self.adaptedTextCache
        let change = collaborative.projectedText(
            self.textVectors(align: encoding.align) - cache.gather(rows: encoding.items))
        let base = collaborative.itemVectors(textFeatures: cache)
        return change.map { base + $0.placed(at: encoding.items, count: self.itemCount) } ?? base
    }

    /// Encodes every item with the experts as they are and keeps their adapted text vectors: the values of the
    /// items a training step does not encode (a no-op unless `adapted_text` or `text_match_items: adapted` is on).
    public func refreshAdaptedText() {
        guard self.scoresReadAdaptedItems else { return }
        self.adaptedTextCache = withoutGradients { self.textVectors(align: self.encodeAllItems().align) }
        self.experts.reset()
        if self.config.model.textMatchItems == .adapted {
            self.textMatchTable = self.itemTextVectors + self.adaptedTextCache - self.adaptedTextOrigin
        }
    }

    /// Whether the scores read every item's expert-adapted vector (`adapted_text`, `text_match_items: adapted`): then
    /// every item is encoded to rank, even for one user.
    var scoresReadAdaptedItems: Bool {
        self.config.model.collaborative.adaptedText || self.config.model.textMatchItems == .adapted
    }

    /// The text-match term's item vectors: the frozen text vectors, or with `model.text_match_items: adapted` the
    /// frozen text vectors plus what the experts changed in each item's adapted text vector since initialisation,
    /// `t_i + v(ã_i) − v(ã⁰_i)` (zero at initialisation, so the term starts as the frozen one).
    ///
    /// An `encoding` of every item (evaluation) gives every item its fresh vector. A training step's `encoding` holds
    /// its windows' items: they read their fresh, differentiable vectors as queries, while every candidate is scored
    /// by its vector when last refreshed. Were the step's own items fresh candidates and the rest stale, being in the
    /// batch (where the targets are) would itself mark a likely target, and training would learn that instead.
    func textMatchItems(_ encoding: ItemEncoding?) -> TextMatchItems {
        guard self.config.model.textMatchItems == .adapted, let encoding else {
            return TextMatchItems(table: self.textMatchTable)
        }
        let change = self.textVectors(align: encoding.align) - self.adaptedTextCache.gather(rows: encoding.items)
        guard encoding.items.count < self.itemCount else {
            return TextMatchItems(table: self.textMatchTable + change.placed(at: encoding.items, count: self.itemCount))
        }
        return TextMatchItems(table: self.textMatchTable, change: change, changed: encoding.items)
    }
}
