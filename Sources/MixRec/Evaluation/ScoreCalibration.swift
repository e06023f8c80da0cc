import RecData
import Tensor

/// Text terms added to a trained model's scores, with weights fitted on validation after training
/// (`eval.calibrate`): `s'(i) = s(i) + α · ⟨t_last, t_i⟩`, and for unseen items (``UnseenItems``)
/// `s'(u) = ŝ(u) + w · ⟨t_last, t_u⟩ + b`.
///
/// `t` are the items' frozen text vectors and `t_last` the last history item's. The first term re-weights how much
/// the last item's text counts for every item (training stops with the learnt text-match gate still growing). The
/// second scores items no training sequence holds, which the ID model has never placed: `ŝ(u)` is the item's own
/// shifted score, or with ``unseenNeighbours`` the weighted shifted scores of its text-nearest trained items
/// (``TextNeighbourScores``), and the offset sets how far such an item has to match to enter a ranking of trained
/// items.
public struct ScoreCalibration: Sendable, Codable, Equatable, CustomStringConvertible {
    /// `α`: the extra weight of the last item's text match on every item.
    public var lastItemText: Float
    /// `w`: the weight of the last item's text match on unseen items.
    public var unseenText: Float
    /// `b`: the offset of unseen items.
    public var unseenOffset: Float
    /// Whether an unseen item's own score is replaced by its text neighbours' (``neighbourCount`` of them).
    public var unseenNeighbours: Bool

    enum CodingKeys: String, CodingKey {
        case lastItemText = "last_item_text"
        case unseenText = "unseen_text"
        case unseenOffset = "unseen_offset"
        case unseenNeighbours = "unseen_neighbours"
    }

    /// No change to the scores.
    public static let none = ScoreCalibration(lastItemText: 0, unseenText: 0, unseenOffset: 0)

    public init(lastItemText: Float, unseenText: Float, unseenOffset: Float, unseenNeighbours: Bool = false) {
        self.lastItemText = lastItemText
        self.unseenText = unseenText
        self.unseenOffset = unseenOffset
        self.unseenNeighbours = unseenNeighbours
    }

    /// Reads a calibration stored as ``tensor``: `[4]` with a last entry of 0 or 1, or `[3]` (session 13's files,
    /// without neighbours); nil otherwise.
    init?(tensor: Tensor) {
        let values = tensor.scalars
        switch tensor.shape {
        case [3]: self.init(lastItemText: values[0], unseenText: values[1], unseenOffset: values[2])
        case [4] where values[3] == 0 || values[3] == 1:
            self.init(
                lastItemText: values[0], unseenText: values[1], unseenOffset: values[2],
                unseenNeighbours: values[3] == 1)
        default: return nil
        }
    }

    /// `[4]`: `α`, `w`, `b` and 1 with neighbours (else 0), as a model file stores them.
    var tensor: Tensor {
        Tensor([self.lastItemText, self.unseenText, self.unseenOffset, self.unseenNeighbours ? 1 : 0], shape: [4])
    }

    /// True when the scores are left as they are.
    public var isNone: Bool { self == .none }

    /// How many text neighbours score an unseen item with ``unseenNeighbours``.
    static let neighbourCount = 10

    /// `α` candidates of the fit.
    static let lastItemTextGrid: [Float] = [0, 0.5, 1, 2, 4]
    /// Unseen-item candidates of the fit: the own score with a weight and the match `b = −w · threshold` an unseen
    /// item needs before it gains on a trained one, or the neighbours' scores with a milder term (they are already
    /// on the trained items' scale). (0, 0) without neighbours leaves unseen items to the model.
    static let unseenGrid: [(neighbours: Bool, text: Float, offset: Float)] =
        [(false, 0, 0)]
        + [32, 64, 128].flatMap { weight in
            [0.625, 0.6875, 0.75, 0.8125].map { (false, weight, -weight * Float($0)) }
        }
        + [0, -1, -2, -3].map { (true, 0, $0) } + [-10, -12, -14].map { (true, 16, $0) }

    /// The candidates the fit ranks validation with, the simplest first (ties go to the earlier one).
    /// - Parameter hasUnseenItems: false leaves out the unseen-item terms (nothing to score with them).
    public static func candidates(hasUnseenItems: Bool) -> [ScoreCalibration] {
        let unseen = hasUnseenItems ? Self.unseenGrid : [(false, 0, 0)]
        return unseen.flatMap { neighbours, text, offset in
            Self.lastItemTextGrid.map {
                ScoreCalibration(
                    lastItemText: $0, unseenText: text, unseenOffset: offset, unseenNeighbours: neighbours)
            }
        }
    }

    /// `[R, I]` calibrated scores.
    /// - Parameters:
    ///   - scores: `[R, I]` the model's scores.
    ///   - lastItemText: `[R, I]` `⟨t_last, t_i⟩` of each row's last history item.
    ///   - unseen: the items no training sequence holds (nil: none).
    public func apply(to scores: Tensor, lastItemText: Tensor, unseen: UnseenItems?) -> Tensor {
        Self.apply([self], to: scores, lastItemText: lastItemText, unseen: unseen)[0]
    }

    /// ``apply(to:lastItemText:unseen:)`` of each of `calibrations` to the same scores, sharing the work candidates
    /// have in common: each `α`'s shifted scores, and their neighbour replacement, are computed once.
    public static func apply(
        _ calibrations: [ScoreCalibration], to scores: Tensor, lastItemText: Tensor, unseen: UnseenItems?
    ) -> [Tensor] {
        var shifted: [Float: Tensor] = [:]
        var neighboured: [Float: Tensor] = [:]
        return calibrations.map { calibration in
            let weight = calibration.lastItemText
            let moved = shifted[weight] ?? (weight != 0 ? scores + lastItemText.scaled(by: weight) : scores)
            shifted[weight] = moved
            guard let unseen else { return moved }
            var result = moved
            if calibration.unseenNeighbours {
                result = neighboured[weight] ?? unseen.neighbours.apply(to: moved)
                neighboured[weight] = result
            }
            if calibration.unseenText != 0 || calibration.unseenOffset != 0 {
                let boost = lastItemText.scaled(by: calibration.unseenText) + Tensor(scalar: calibration.unseenOffset)
                result = result + boost * unseen.mask
            }
            return result
        }
    }

    /// A candidate's validation NDCG@10 in the fit: over all cases, over warm cases (targets training holds) and
    /// over cold cases (`eval.cold_items`' targets; nil without them).
    public struct Validation: Sendable, Equatable {
        public var all: Double
        public var warm: Double
        public var cold: Double?

        public init(all: Double, warm: Double, cold: Double?) {
            self.all = all
            self.warm = warm
            self.cold = cold
        }

        /// From a candidate's ranking metrics on warm and on cold cases (nil or empty: none); `all` merges the two.
        public init(warm: RankingMetrics?, cold: RankingMetrics?) {
            let cold = cold.flatMap { $0.count > 0 ? $0 : nil }
            var all = warm ?? RankingMetrics()
            if let cold { all.merge(cold) }
            self.init(all: all.ndcg(at: 10), warm: warm?.ndcg(at: 10) ?? 0, cold: cold?.ndcg(at: 10))
        }
    }

    /// How the fit chose its calibration.
    public enum Rule: String, Sendable, Codable, Equatable {
        /// The best validation NDCG@10 over all cases (`eval.unseen_warm_allowance: 0`, or no cold cases).
        case allCases = "all_cases"
        /// The best cold-case NDCG@10 among the candidates whose warm cases keep 1 − a of the all-cases choice's.
        case warmAllowance = "warm_allowance"
    }

    /// The index of the candidate the fit keeps, and by which rule, from each candidate's validation NDCG@10 (in the
    /// order of ``candidates(hasUnseenItems:)``, the simplest first). The first choice is the best over all cases.
    /// With `warmAllowance` a > 0 and cold cases, the fit then takes, among the candidates whose warm NDCG@10 is at
    /// least (1 − a) × that first choice's, the one with the best cold NDCG@10: the all-cases objective weighs cold
    /// cases by their share of validation (5 % at `cold_items: 0.1`), and a product that has to rank new items may
    /// want to pay a bounded warm cost for them. Ties go to the earlier candidate under both rules.
    public static func choose(_ values: [Validation], warmAllowance: Double) -> (index: Int, rule: Rule) {
        guard !values.isEmpty else { return (0, .allCases) }
        var best = 0
        for index in values.indices where values[index].all > values[best].all { best = index }
        guard warmAllowance > 0, values.allSatisfy({ $0.cold != nil }) else { return (best, .allCases) }
        let floor = (1 - warmAllowance) * values[best].warm
        var chosen = best
        for index in values.indices where values[index].warm >= floor {
            let cold = values[index].cold ?? 0
            let chosenCold = values[chosen].cold ?? 0
            if cold > chosenCold || (cold == chosenCold && index < chosen) { chosen = index }
        }
        return (chosen, .warmAllowance)
    }

    public var description: String {
        "α = \(self.lastItemText), unseen items \(self.unseenNeighbours ? "by text neighbours, " : "")"
            + "\(self.unseenText) · match \(self.unseenOffset < 0 ? "−" : "+") \(abs(self.unseenOffset))"
    }
}
