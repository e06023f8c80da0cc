import Testing

@testable import RecData

// MARK: - Ordering, k-core, re-indexing and the leave-one-out split

struct PreparationTests {
    /// A raw dataset from (user, item, time) triples given with original ids.
    static func raw(_ rows: [(String, String, Double)]) -> RawDataset {
        var users = IDTable()
        var items = IDTable()
        let interactions = rows.map { user, item, time in
            RawInteraction(user: users.intern(user), item: items.intern(item), time: time)
        }
        return RawDataset(
            users: users, items: items, interactions: interactions, timeKind: .timestamp,
            attributes: [[ItemAttribute]](repeating: [], count: items.count))
    }

    @Test func ordersByTimeAndBreaksTiesByFileOrder() {
        let raw = Self.raw([
            ("u", "c", 5), ("u", "a", 1), ("u", "b", 5), ("u", "d", 3), ("u", "e", 5), ("v", "a", 2),
        ])
        let names = SequentialDataset.orderedHistories(raw).map { $0.map { raw.items.names[Int($0)] } }
        #expect(names == [["a", "d", "c", "b", "e"], ["a"]])
    }

    @Test func denseIdsFollowOriginalIdsNumericallyAndShortUsersAreDropped() {
        let raw = Self.raw([
            ("10", "100", 1), ("10", "9", 2), ("10", "25", 3), ("2", "9", 1), ("2", "100", 2), ("2", "x", 3),
            ("3", "7", 1), ("3", "9", 2),
        ])
        let dataset = SequentialDataset.prepare(raw)
        #expect(dataset.userIDs == ["2", "10"])
        #expect(dataset.itemIDs == ["7", "9", "25", "100", "x"])
        #expect(dataset.sequences == [[1, 3, 4], [3, 1, 2]])
    }

    @Test func kCoreFilteringIteratesToAFixedPoint() {
        // Item "z" has 1 interaction; removing it leaves user "c" with 2 < 3 interactions; removing "c" leaves
        // item "y" with 2 < 3, which then leaves users a and b with 3 each.
        let raw = Self.raw([
            ("a", "w", 1), ("a", "x", 2), ("a", "y", 3), ("a", "v", 4),
            ("b", "w", 1), ("b", "x", 2), ("b", "v", 3), ("b", "y", 4),
            ("c", "w", 1), ("c", "y", 2), ("c", "z", 3),
            ("d", "w", 1), ("d", "x", 2), ("d", "v", 3),
        ])
        let dataset = SequentialDataset.prepare(raw, options: PreparationOptions(coreK: 3))
        #expect(dataset.userIDs == ["a", "b", "d"])
        #expect(dataset.itemIDs == ["v", "w", "x"])
        #expect(dataset.sequences == [[1, 2, 0], [1, 2, 0], [1, 2, 0]])
        var histories = SequentialDataset.orderedHistories(raw)
        KCoreFilter.apply(k: 3, histories: &histories, itemCount: raw.items.count)
        var counts: [Int32: Int] = [:]
        for history in histories { for item in history { counts[item, default: 0] += 1 } }
        #expect(histories.allSatisfy { $0.isEmpty || $0.count >= 3 })
        #expect(counts.values.allSatisfy { $0 >= 3 })
        let unfiltered = SequentialDataset.prepare(raw, options: PreparationOptions(coreK: 1))
        #expect(unfiltered.interactionCount == 14)
    }

    @Test func leaveOneOutHoldsOutTheLastTwoItems() {
        let dataset = SequentialDataset(
            sequences: [[4, 2, 0, 1, 3], [1, 0, 2]], userIDs: ["a", "b"], itemIDs: ["0", "1", "2", "3", "4"],
            itemAttributes: [[ItemAttribute]](repeating: [], count: 5))
        let split = LeaveOneOutSplit(dataset)
        #expect(Array(split.trainingSequence(user: 0)) == [4, 2, 0])
        #expect(Array(split.trainingSequence(user: 1)) == [1])
        let validation = split.evaluationCase(user: 0, stage: .validation)
        #expect(Array(validation.history) == [4, 2, 0] && validation.target == 1)
        let test = split.evaluationCase(user: 0, stage: .test)
        #expect(Array(test.history) == [4, 2, 0, 1] && test.target == 3)
        #expect(Array(test.input(maxLength: 2)) == [0, 1])
        let window = split.trainingWindow(user: 0, maxLength: 1)
        #expect(Array(window.inputs) == [2] && Array(window.targets) == [0])
        let full = split.trainingWindow(user: 0, maxLength: 50)
        #expect(Array(full.inputs) == [4, 2] && Array(full.targets) == [2, 0])
        #expect(split.trainingWindow(user: 1, maxLength: 50).inputs.isEmpty)
        #expect(split.trainableUsers == [0])
        #expect(split.evaluationCase(user: 1, stage: .test).target == 2)
    }

    /// Each target's earlier items reach back before a truncated window and leave out the target itself, when it
    /// occurred before.
    @Test func earlierItemsOfATrainingWindow() {
        let dataset = SequentialDataset(
            sequences: [[4, 2, 0, 2, 1, 3, 0]], userIDs: ["a"], itemIDs: ["0", "1", "2", "3", "4"],
            itemAttributes: [[ItemAttribute]](repeating: [], count: 5))
        let split = LeaveOneOutSplit(dataset)
        let window = split.trainingWindow(user: 0, maxLength: 2)
        #expect(Array(window.targets) == [2, 1])
        #expect(split.earlierItems(of: window) == [[4, 0], [4, 2, 0, 2]])
        #expect(
            split.earlierItems(of: split.trainingWindow(user: 0, maxLength: 50)) == [
                [4], [4, 2], [4, 0], [4, 2, 0, 2],
            ])
    }

    @Test func itemTextsAreCutToTheTokenBudget() {
        let tokenizer: (String) -> [Int32] = { text in text.split(separator: " ").map { Int32($0.count) } }
        let tokens = ItemTextTokens.tokenize(["a bb ccc dddd", "ee", ""], maxTokens: 3, tokenizer: tokenizer)
        #expect(tokens == [[1, 2, 3], [2], []])
    }
}
