import Backbone
import Tensor

/// The weighted training losses of one batch and their parts.
struct BatchLoss {
    /// The weighted sum to differentiate.
    let total: Tensor
    /// Each part's unweighted value (`link`, `align`, `hard`, `cf`, `balance`), normalised as in `total`.
    let parts: [String: Double]
}

/// How a training step computes the `[SEQ]` and `[ALIGN]` states.
public enum ForwardPath: String, Sendable, CaseIterable {
    /// Item tower + sequence tower over the cached text states (needs context masking).
    case spanReuse = "span-reuse"
    /// Every token of every window through every block under the mask (the plain masked pass).
    case dense
}

extension MixRecModel {
    /// The path training takes: span reuse under context masking, the dense pass without it.
    var defaultPath: ForwardPath {
        self.config.model.contextMasking ? .spanReuse : .dense
    }

    /// The losses of docs/model.md on one part of a batch (a rank's share, or a chunk of `train.batch_chunks`), each
    /// normalised by global counts; the load-balancing term, a statistic of the part's own routings, is weighted by
    /// `1 / batchParts`, so summed over the parts it is their mean.
    func loss(
        _ batch: TrainingBatch, hardNegatives: [[Int32]], batchParts: Int, path: ForwardPath? = nil,
        generator: inout RandomGenerator
    ) -> BatchLoss {
        let weights = self.config.losses
        let width = self.backbone.configuration.width
        self.experts.reset()
        let collaborativeTrains = self.config.training.collaborativeRateScale > 0
        let collaborativeStates = self.collaborativeStates(
            batch.collaborativeHistories, training: true, dropsIdentities: collaborativeTrains, generator: &generator)
        let collaborativeRows = collaborativeStates.map { self.collaborativeRows($0, windows: batch.windows) }
        let userStates = self.userStates(collaborativeRows: collaborativeRows)
        let hidden: Tensor
        let alignRows: Tensor
        var alignItems = batch.alignItems
        var collaborativeItems: Tensor?
        var encoding: ItemEncoding?
        if (path ?? self.defaultPath) == .spanReuse {
            let items = self.encodeItems(batch.encodedItems, training: true, generator: &generator)
            encoding = items
            collaborativeItems = self.adaptedCollaborativeItems(items)
            hidden = self.encodeSequences(batch.windows, items: items, userStates: userStates)
            alignRows = items.align.gather(rows: alignItems.map { items.slots[$0] ?? 0 })
        } else {
            let dense = self.denseSequences(
                batch.windows, userStates: userStates, training: true, generator: &generator)
            hidden = dense.sequences
            var firstOccurrence: [Int: Int] = [:]
            for (row, item) in batch.windows.joined().enumerated() where firstOccurrence[item] == nil {
                firstOccurrence[item] = row
            }
            alignItems = firstOccurrence.keys.sorted()
            alignRows = dense.align.gather(rows: alignItems.map { firstOccurrence[$0] ?? 0 })
        }
        let longest = hidden.shape[1]
        var validRows: [Int] = []
        for (user, window) in batch.windows.enumerated() {
            validRows += (0..<window.count).map { user * longest + $0 }
        }
        let targets = batch.targets.flatMap { $0 }
        var parts: [String: Double] = [:]
        var terms: [Tensor] = []
        func add(_ name: String, _ value: Tensor, weight: Double) {
            parts[name] = Double(value.item)
            if weight > 0 { terms.append(value.scaled(by: Float(weight))) }
        }
        let positions = Float(max(batch.globalPositions, 1))
        let sequenceRows = hidden.reshaped([hidden.shape[0] * longest, width]).gather(rows: validRows)
        add(
            "link",
            Tensor.crossEntropy(
                logits: self.sequenceScores(
                    sequenceRows, collaborative: collaborativeRows?.gather(rows: validRows),
                    collaborativeItems: collaborativeItems,
                    textContext: self.textContext(batch.windows, rows: validRows, items: encoding)),
                targets: targets, reduction: .sum, excluded: batch.excludedItems,
                unavailable: batch.unavailableItems
            )
            .scaled(by: 1 / positions), weight: weights.link)
        if weights.align > 0 && !alignItems.isEmpty {
            add(
                "align",
                Tensor.crossEntropy(
                    logits: self.scores(alignRows), targets: alignItems, reduction: .sum,
                    unavailable: batch.unavailableItems
                )
                .scaled(by: 1 / Float(max(batch.globalItems, 1))), weight: weights.align)
        }
        if let hard = self.hardSampleLoss(alignItems, hardNegatives: hardNegatives, alignRows: alignRows) {
            add("hard", hard.scaled(by: 1 / Float(max(batch.globalHardItems, 1))), weight: weights.hard)
        }
        // A frozen collaborative model (`train.cf_lr_scale: 0`) would only spend time on its own loss.
        if let collaborative = self.collaborative, let collaborativeStates, collaborativeTrains {
            add(
                "cf",
                collaborative.nextItemLoss(
                    states: collaborativeStates, targets: batch.collaborativeTargets,
                    excluded: batch.collaborativeExcludedItems, unavailable: batch.unavailableItems
                )
                .scaled(by: 1 / Float(max(batch.globalCollaborativePositions, 1))),
                weight: weights.collaborative)
        }
        if let balance = self.experts.balanceLoss {
            add("balance", balance.scaled(by: 1 / Float(batchParts)), weight: weights.balance)
        }
        let total = terms.dropFirst().reduce(terms[0], +)
        return BatchLoss(total: total, parts: parts)
    }

    /// The summed InfoNCE of each alignment item's `[ALIGN]` state against W of itself (the positive) and of its hard
    /// negatives, by cosine similarity over `losses.hard_temperature`; nil when the task is off.
    private func hardSampleLoss(_ alignItems: [Int], hardNegatives: [[Int32]], alignRows: Tensor) -> Tensor? {
        let count = self.config.model.hardNegatives
        guard self.config.losses.hard > 0, count > 0 else { return nil }
        let selected = alignItems.indices.filter { hardNegatives[alignItems[$0]].count >= count }
        guard !selected.isEmpty else { return nil }
        let width = self.backbone.configuration.width
        let candidates = selected.flatMap { index -> [Int] in
            let item = alignItems[index]
            return [item] + hardNegatives[item].prefix(count).map { Int($0) }
        }
        let ones = self.unitGain
        let keys = Tensor.rmsNorm(self.itemProjection.gather(rows: candidates), weight: ones, epsilon: 1e-6)
            .reshaped([selected.count, count + 1, width])
        let queries = Tensor.rmsNorm(alignRows.gather(rows: selected), weight: ones, epsilon: 1e-6)
            .reshaped([selected.count, 1, width])
        let scale = 1 / (Float(width) * Float(self.config.losses.hardTemperature))
        let logits = (keys * queries).sum(axis: 2).scaled(by: scale)
        return Tensor.crossEntropy(
            logits: logits, targets: [Int](repeating: 0, count: selected.count), reduction: .sum)
    }
}
