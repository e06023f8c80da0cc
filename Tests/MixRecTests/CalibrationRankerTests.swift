import RecData
import Tensor
import Testing

@testable import MixRec

/// The calibration fit's ranker gives, for every candidate, the rank ``TargetRanker`` gives on the calibrated row.
struct CalibrationRankerTests {
    /// Rows of scores on a coarse grid (so ties happen), the last item's text match, and cases whose targets are
    /// trained or unseen items, with histories that repeat items and hold the target; one row's target score is NaN.
    @Test(arguments: [true, false], [true, false])
    func everyCandidateRanksAsTheCalibratedRowWould(excludeHistory: Bool, hasUnseenItems: Bool) throws {
        let (itemCount, rowCount, width) = (40, 12, 4)
        var generator = RandomGenerator(seed: 7)
        let vectors = Tensor((0..<(itemCount * width)).map { _ in generator.nextNormal() }, shape: [itemCount, width])
        let trained =
            hasUnseenItems ? Array(Int32(0)..<Int32(itemCount)).filter { $0 % 5 != 2 } : Array(0..<Int32(itemCount))
        let unseen = UnseenItems(itemCount: itemCount, trainingSequences: [trained[...]], textVectors: vectors)
        #expect((unseen != nil) == hasUnseenItems)
        var scores = (0..<(rowCount * itemCount)).map { _ in (generator.nextNormal() * 4).rounded() / 4 }
        let match = Tensor(
            (0..<(rowCount * itemCount)).map { _ in (generator.nextUniform() * 8).rounded() / 8 },
            shape: [rowCount, itemCount])
        let cases = (0..<rowCount).map { row in
            let target = Int32(row * 7 % itemCount)
            let history = (0..<6).map { _ in Int32(generator.next() % UInt64(itemCount)) } + [target, target]
            return (target: target, history: history[...])
        }
        scores[3 * itemCount + Int(cases[3].target)] = .nan
        let candidates = ScoreCalibration.candidates(hasUnseenItems: hasUnseenItems)
        let calibrated = ScoreCalibration.apply(
            candidates, to: Tensor(scores, shape: [rowCount, itemCount]), lastItemText: match, unseen: unseen)
        var reference = TargetRanker(itemCount: itemCount, excludeHistory: excludeHistory)
        var ranker = CalibrationRanker(
            candidates: candidates, itemCount: itemCount, excludeHistory: excludeHistory, unseen: unseen)
        var unseenTargets = 0
        for (row, evaluationCase) in cases.enumerated() {
            let rows = (row * itemCount)..<((row + 1) * itemCount)
            let ranks = scores.withUnsafeBufferPointer { scores in
                match.withUnsafeBufferPointer { match in
                    ranker.ranks(
                        row: UnsafeBufferPointer(rebasing: scores[rows]),
                        lastItemText: UnsafeBufferPointer(rebasing: match[rows]), target: evaluationCase.target,
                        history: evaluationCase.history)
                }
            }
            let expected = calibrated.map { matrix in
                matrix.withUnsafeBufferPointer {
                    reference.rank(
                        row: UnsafeBufferPointer(rebasing: $0[rows]), target: evaluationCase.target,
                        history: evaluationCase.history)
                }
            }
            #expect(ranks == expected, "row \(row), target \(evaluationCase.target)")
            if !trained.contains(evaluationCase.target) { unseenTargets += 1 }
        }
        #expect(!hasUnseenItems || unseenTargets > 0, "some targets must be unseen items")
    }
}
