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
    static func candidates(hasUnseenItems: Bool) -> [ScoreCalibration] {
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
    static func apply(
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

    public var description: String {
        "α = \(self.lastItemText), unseen items \(self.unseenNeighbours ? "by text neighbours, " : "")"
            + "\(self.unseenText) · match \(self.unseenOffset < 0 ? "−" : "+") \(abs(self.unseenOffset))"
    }
}
