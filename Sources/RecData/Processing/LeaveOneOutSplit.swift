// MARK: - Leave-one-out split

/// Which held-out item an evaluation case asks for.
public enum EvaluationStage: String, Sendable, CaseIterable {
    /// The second-last item, predicted from the items before it.
    case validation
    /// The last item, predicted from all items before it (the validation item included).
    case test
}

/// One full-ranking case: a user's input history and the held-out target.
public struct EvaluationCase: Sendable, Equatable {
    /// The dense user id.
    public let user: Int32
    /// Every item before the target, oldest first; all of them are excluded from the ranking by default.
    public let history: ArraySlice<Int32>
    /// The held-out item.
    public let target: Int32

    /// A case for `user`: rank `target` after `history` (oldest first).
    public init(user: Int32, history: ArraySlice<Int32>, target: Int32) {
        self.user = user
        self.history = history
        self.target = target
    }

    /// The most recent `maxLength` history items: the model's input.
    public func input(maxLength: Int) -> ArraySlice<Int32> { self.history.suffix(maxLength) }
}

/// One training sequence cut to the model's window: inputs and next-item targets, position by position.
public struct TrainingWindow: Sendable, Equatable {
    /// The dense user id.
    public let user: Int32
    /// `[≤ L]` items, oldest first.
    public let inputs: ArraySlice<Int32>
    /// `[inputs.count]` targets: `targets[t]` is the item after `inputs[t]`.
    public let targets: ArraySlice<Int32>
}

/// The leave-one-out split: for each user the last item is the test target, the second-last the validation target,
/// and the rest trains (as in the peer script; every user has at least 3 items).
public struct LeaveOneOutSplit: Sendable {
    /// `[userCount][n_u]` dense item ids, oldest first.
    public let sequences: [[Int32]]

    /// - Precondition: every sequence has at least 3 items (`SequentialDataset.prepare` guarantees it).
    public init(_ dataset: SequentialDataset) {
        precondition(dataset.sequences.allSatisfy { $0.count >= 3 }, "leave-one-out needs at least 3 items per user")
        self.sequences = dataset.sequences
    }

    /// The number of users.
    public var userCount: Int { self.sequences.count }

    /// The user's training items: all but the last two.
    public func trainingSequence(user: Int32) -> ArraySlice<Int32> { self.sequences[Int(user)].dropLast(2) }

    /// The training items of every user.
    public var trainingSequences: [ArraySlice<Int32>] {
        (0..<self.userCount).map { self.trainingSequence(user: Int32($0)) }
    }

    /// The users whose training window is not empty (at least two training items), ascending: the users to batch.
    public var trainableUsers: [Int32] {
        (0..<self.userCount).map { Int32($0) }.filter { self.sequences[Int($0)].count >= 4 }
    }

    /// The user's training window of at most `maxLength` positions: the most recent training items as inputs and
    /// the items that follow them as targets (empty when the user has a single training item).
    public func trainingWindow(user: Int32, maxLength: Int) -> TrainingWindow {
        let train = self.trainingSequence(user: user)
        return TrainingWindow(
            user: user, inputs: train.dropLast().suffix(maxLength), targets: train.dropFirst().suffix(maxLength))
    }

    /// For each target of `window`, the user's items before it other than the target itself: the items a training
    /// softmax leaves out to match an evaluation that excludes the input history.
    public func earlierItems(of window: TrainingWindow) -> [[Int32]] {
        let sequence = self.sequences[Int(window.user)]
        return window.targets.indices.map { index in
            sequence[..<index].filter { $0 != sequence[index] }
        }
    }

    /// The user's validation or test case.
    public func evaluationCase(user: Int32, stage: EvaluationStage) -> EvaluationCase {
        let sequence = self.sequences[Int(user)]
        let held = stage == .validation ? 2 : 1
        return EvaluationCase(
            user: user, history: sequence.dropLast(held), target: sequence[sequence.count - held])
    }
}
