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
///
/// With ``ColdItems`` the held-out items leave every training sequence and every input history (targets stay
/// where they are); a stage ranks the cases whose target training sees (warm) or is one of its cold items.
public struct LeaveOneOutSplit: Sendable {
    /// `[userCount][n_u]` dense item ids, oldest first (cold items included).
    public let sequences: [[Int32]]
    /// The items held out of training, if any.
    public let coldItems: ColdItems?
    /// Per user, the training items: all but the last two, without cold items.
    private let training: [[Int32]]

    /// - Precondition: every sequence has at least 3 items (`SequentialDataset.prepare` guarantees it).
    public init(_ dataset: SequentialDataset, coldItems: ColdItems? = nil) {
        precondition(dataset.sequences.allSatisfy { $0.count >= 3 }, "leave-one-out needs at least 3 items per user")
        self.sequences = dataset.sequences
        self.coldItems = coldItems
        self.training = dataset.sequences.map { sequence in
            let train = sequence.dropLast(2)
            return coldItems.map { cold in train.filter { !cold.contains($0) } } ?? Array(train)
        }
    }

    /// The number of users.
    public var userCount: Int { self.sequences.count }

    /// The user's training items: all but the last two, without cold items.
    public func trainingSequence(user: Int32) -> ArraySlice<Int32> { self.training[Int(user)][...] }

    /// The training items of every user.
    public var trainingSequences: [ArraySlice<Int32>] { self.training.map { $0[...] } }

    /// The users whose training window is not empty (at least two training items), ascending: the users to batch.
    public var trainableUsers: [Int32] {
        (0..<self.userCount).map { Int32($0) }.filter { self.training[Int($0)].count >= 2 }
    }

    /// The user's training window of at most `maxLength` positions: the most recent training items as inputs and
    /// the items that follow them as targets (empty when the user has a single training item).
    public func trainingWindow(user: Int32, maxLength: Int) -> TrainingWindow {
        let train = self.trainingSequence(user: user)
        return TrainingWindow(
            user: user, inputs: train.dropLast().suffix(maxLength), targets: train.dropFirst().suffix(maxLength))
    }

    /// For each target of `window`, the user's training items before it other than the target itself: the items a
    /// training softmax leaves out to match an evaluation that excludes the input history.
    public func earlierItems(of window: TrainingWindow) -> [[Int32]] {
        let sequence = self.training[Int(window.user)]
        return window.targets.indices.map { index in
            sequence[..<index].filter { $0 != sequence[index] }
        }
    }

    /// The user's validation or test case: the target and every item before it, less cold items.
    public func evaluationCase(user: Int32, stage: EvaluationStage) -> EvaluationCase {
        let sequence = self.sequences[Int(user)]
        let held = stage == .validation ? 2 : 1
        let history = sequence.dropLast(held)
        return EvaluationCase(
            user: user, history: self.coldItems.map { cold in history.filter { !cold.contains($0) }[...] } ?? history,
            target: sequence[sequence.count - held])
    }

    /// The cases of `users` at `stage` that evaluation ranks: every case without cold items; with them, the cases
    /// whose target training sees or is one of the stage's cold items, and whose history is not empty.
    public func evaluationCases(users: some Sequence<Int32>, stage: EvaluationStage) -> [EvaluationCase] {
        let cases = users.map { self.evaluationCase(user: $0, stage: stage) }
        guard let cold = self.coldItems else { return cases }
        return cases.filter { !$0.history.isEmpty && (cold.stage(of: $0.target) ?? stage) == stage }
    }
}
