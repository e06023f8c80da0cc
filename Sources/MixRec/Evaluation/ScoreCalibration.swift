import Tensor

/// Text terms added to a trained model's scores, with weights fitted on validation after training
/// (`eval.calibrate`): `s'(i) = s(i) + α · ⟨t_last, t_i⟩ + [i unseen] · (w · ⟨t_last, t_i⟩ + b)`.
///
/// `t` are the items' frozen text vectors and `t_last` the last history item's. The first term re-weights how much
/// the last item's text counts for every item (training stops with the learnt text-match gate still growing); the
/// second scores items no training sequence holds, which the ID model has never placed, by their text alone, with
/// an offset that sets how far such an item has to match to enter a ranking of trained items.
public struct ScoreCalibration: Sendable, Codable, Equatable, CustomStringConvertible {
    /// `α`: the extra weight of the last item's text match on every item.
    public var lastItemText: Float
    /// `w`: the weight of the last item's text match on unseen items.
    public var unseenText: Float
    /// `b`: the offset of unseen items.
    public var unseenOffset: Float

    enum CodingKeys: String, CodingKey {
        case lastItemText = "last_item_text"
        case unseenText = "unseen_text"
        case unseenOffset = "unseen_offset"
    }

    /// No change to the scores.
    public static let none = ScoreCalibration(lastItemText: 0, unseenText: 0, unseenOffset: 0)

    public init(lastItemText: Float, unseenText: Float, unseenOffset: Float) {
        self.lastItemText = lastItemText
        self.unseenText = unseenText
        self.unseenOffset = unseenOffset
    }

    /// Reads a calibration stored as ``tensor`` (nil unless `[3]`).
    init?(tensor: Tensor) {
        guard tensor.shape == [3] else { return nil }
        let values = tensor.scalars
        self.init(lastItemText: values[0], unseenText: values[1], unseenOffset: values[2])
    }

    /// `[3]`: `α`, `w`, `b`, as a model file stores them.
    var tensor: Tensor { Tensor([self.lastItemText, self.unseenText, self.unseenOffset], shape: [3]) }

    /// True when the scores are left as they are.
    public var isNone: Bool { self == .none }

    /// `α` candidates of the fit.
    static let lastItemTextGrid: [Float] = [0, 0.5, 1, 2, 4]
    /// `(w, b)` candidates of the fit for unseen items: a weight and the match `b = −w · threshold` an unseen
    /// item needs before it gains on a trained one. (0, 0) leaves unseen items to the model.
    static let unseenGrid: [(text: Float, offset: Float)] =
        [(0, 0)]
        + [32, 64, 128].flatMap { weight in [0.625, 0.6875, 0.75, 0.8125].map { (weight, -weight * Float($0)) } }

    /// The candidates the fit ranks validation with, the simplest first (ties go to the earlier one).
    /// - Parameter hasUnseenItems: false leaves out the unseen-item terms (nothing to score with them).
    static func candidates(hasUnseenItems: Bool) -> [ScoreCalibration] {
        let unseen = hasUnseenItems ? Self.unseenGrid : [(0, 0)]
        return unseen.flatMap { text, offset in
            Self.lastItemTextGrid.map {
                ScoreCalibration(lastItemText: $0, unseenText: text, unseenOffset: offset)
            }
        }
    }

    /// `[R, I]` calibrated scores.
    /// - Parameters:
    ///   - scores: `[R, I]` the model's scores.
    ///   - lastItemText: `[R, I]` `⟨t_last, t_i⟩` of each row's last history item.
    ///   - unseen: `[1, I]`, 1 for items no training sequence holds, else 0 (nil: none).
    public func apply(to scores: Tensor, lastItemText: Tensor, unseen: Tensor?) -> Tensor {
        var result = scores
        if self.lastItemText != 0 { result = result + lastItemText.scaled(by: self.lastItemText) }
        if let unseen, self.unseenText != 0 || self.unseenOffset != 0 {
            let boost = lastItemText.scaled(by: self.unseenText) + Tensor(scalar: self.unseenOffset)
            result = result + boost * unseen
        }
        return result
    }

    /// Marks the items no sequence of `trainingSequences` holds: `[1, itemCount]`, 1 for those (nil: none).
    static func unseenItems(itemCount: Int, trainingSequences: [ArraySlice<Int32>]) -> Tensor? {
        var seen = [Bool](repeating: false, count: itemCount)
        for sequence in trainingSequences {
            for item in sequence { seen[Int(item)] = true }
        }
        guard seen.contains(false) else { return nil }
        return Tensor(seen.map { $0 ? 0 : 1 }, shape: [1, itemCount])
    }

    public var description: String {
        "α = \(self.lastItemText), unseen items \(self.unseenText) · match \(self.unseenOffset < 0 ? "−" : "+") "
            + "\(abs(self.unseenOffset))"
    }
}
