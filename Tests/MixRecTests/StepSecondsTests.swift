import Testing

@testable import MixRec

/// Where a step's time went: per-step parts, the epoch's medians and how they read.
@Suite struct StepSecondsTests {
    func step(_ forward: Double, _ backward: Double, _ reduce: Double, _ update: Double) -> StepSeconds {
        var seconds = StepSeconds()
        (seconds.forward, seconds.backward, seconds.reduce, seconds.update) = (forward, backward, reduce, update)
        return seconds
    }

    @Test func mediansArePerPart() throws {
        let steps = [self.step(0.3, 0.1, 0, 0.02), self.step(0.1, 0.5, 0.04, 0.01), self.step(0.2, 0.3, 0.02, 0.05)]
        let odd = try #require(StepSeconds.medians(of: steps))
        #expect(odd == self.step(0.2, 0.3, 0.02, 0.02))
        let even = try #require(StepSeconds.medians(of: Array(steps.prefix(2))))
        #expect(abs(even.forward - 0.2) < 1e-12 && abs(even.backward - 0.3) < 1e-12 && abs(even.reduce - 0.02) < 1e-12)
        #expect(StepSeconds.medians(of: []) == nil)
    }

    @Test func theSummaryNamesTheAllReduceOnlyWhenThereIsOne() {
        #expect(self.step(0.25, 0.34, 0, 0.008).summary == "598 ms a step: forward 250, backward 340, update 8")
        #expect(
            self.step(0.25, 0.34, 0.014, 0.008).summary
                == "612 ms a step: forward 250, backward 340, all-reduce 14, update 8")
    }

    @Test func trainingTimesEveryStepAndSummarisesEachEpoch() throws {
        let trainer = try TinyMixRec.trainer(["train.epochs=2", "train.patience=5"])
        var (steps, summaries) = ([StepSeconds](), [EpochSummary]())
        _ = try trainer.train(
            onStep: { steps.append($0.seconds) },
            onEpoch: {
                summaries.append($0)
                return .proceed
            })
        #expect(steps.count > 2 && summaries.count == 2)
        #expect(steps.allSatisfy { $0.forward > 0 && $0.backward > 0 && $0.update > 0 && $0.reduce == 0 })
        for summary in summaries {
            let medians = try #require(summary.steps)
            #expect(medians.forward > 0 && medians.total < summary.seconds)
        }
    }
}
