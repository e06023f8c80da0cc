import ConfigKit
import RecData
import Testing

@testable import MixRec

/// `train.rungs`: where a run's rungs fall, which users they have trained, and that validating there changes nothing.
@Suite struct RungTrainingTests {
    @Test func rungsFallAtTheRoundedFractionOfTheRunsSteps() {
        // The shipped ml-100k study: 59 batches of 16 users a epoch, 3 epochs, the default rungs 1/27, 1/9, 1/3.
        let schedule = RungSchedule(fractions: [1.0 / 27, 1.0 / 9, 1.0 / 3], totalSteps: 177)
        #expect(schedule.rungs.map(\.step) == [7, 20, 59])
        #expect(schedule.rungs.map(\.number) == [1, 2, 3])
        #expect(schedule.rungs(atStep: 20).map(\.number) == [2])
        #expect(schedule.rungs(atStep: 21).isEmpty)
        // A run too short to separate two rungs reports both after its first step.
        #expect(RungSchedule(fractions: [0.01, 0.1], totalSteps: 4).rungs(atStep: 1).map(\.number) == [1, 2])
        // A rung that rounds to the last step is none: the final epoch reports that validation.
        #expect(RungSchedule(fractions: [0.5, 0.9], totalSteps: 4).rungs.map(\.step) == [2])
    }

    /// A rung's users are the first steps of the run's seeded user order: fixed by the seed, and each rung's users
    /// contain the previous rung's.
    @Test func aRungsUsersAreFixedByTheSeedAndNested() {
        let users = (0..<100).map { Int32($0) }
        let schedule = RungSchedule(fractions: [0.125, 0.25, 0.5], totalSteps: 25)
        func trained(seed: UInt64) -> [Set<Int32>] {
            let order = UserBatches(users: users, batchSize: 4, seed: seed).batches(epoch: 0)
            return schedule.rungs.map { Set(order.prefix($0.step).joined()) }
        }
        let rungs = trained(seed: 7)
        #expect(rungs.map(\.count) == [12, 24, 52])
        #expect(rungs[0].isSubset(of: rungs[1]) && rungs[1].isSubset(of: rungs[2]))
        #expect(trained(seed: 7) == rungs)
        #expect(trained(seed: 8)[0] != rungs[0])
    }

    /// With one user a step and one epoch, a rung at fraction f has trained exactly round(f · U) users; validating
    /// there leaves the run exactly as it was without rungs.
    @Test func aTrialAtFractionFTrainsRoundFTimesUsersAndEndsAsWithoutRungs() throws {
        let base = ["train.epochs=1", "train.batch_users=1"]
        let trainer = try TinyMixRec.trainer(base + ["train.rungs=[0.25, 0.5]"])
        let userCount = trainer.data.split.trainableUsers.count
        var trainedUsers = 0
        var usersAtRungs: [Int] = []
        var reports: [RungReport] = []
        let result = try trainer.train(
            onStep: { trainedUsers += $0.users },
            onRung: {
                reports.append($0)
                usersAtRungs.append(trainedUsers)
            })
        let expected = [0.25, 0.5].map { Int((Double(userCount) * $0).rounded()) }
        #expect(usersAtRungs == expected)
        #expect(reports.map(\.step) == expected && reports.map(\.rung) == [1, 2] && reports.map(\.epoch) == [1, 1])
        #expect(reports.allSatisfy { ($0.validation["ndcg@10"] ?? -1) >= 0 })
        let plain = try TinyMixRec.trainer(base).train()
        #expect(result.validation == plain.validation && result.test == plain.test)
    }

    @Test(arguments: ["[0.5, 0.25]", "[0]", "[1]", "[1.5]", "[x]"])
    func rungsMustBeAscendingFractionsBelowOne(value: String) {
        #expect {
            _ = try TinyMixRec.config(["train.rungs=\(value)"])
        } throws: { error in
            "\(error)".contains("train.rungs")
        }
    }
}
