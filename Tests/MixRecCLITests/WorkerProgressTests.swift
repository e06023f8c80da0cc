import Cluster
import Testing

@testable import MixRecCLI

/// A worker's progress as `mixrec worker` shows it: the ETA (`WorkerProgress`) and the text (this module's).
@Suite struct WorkerProgressTests {
    private func progress(epoch: Int, step: Int, stepsPerEpoch: Int?, first: Int = 0, seconds: Double)
        -> WorkerProgress
    {
        WorkerProgress(
            trial: 3, attempt: 1, epoch: epoch, maxEpochs: 4, firstEpoch: first, step: step,
            stepsPerEpoch: stepsPerEpoch, seconds: seconds, metrics: ["valid/score": 1.25])
    }

    @Test func theETAFollowsThisRunsPaceCountingStepsOfTheCurrentEpoch() {
        #expect(self.progress(epoch: 0, step: 5, stepsPerEpoch: nil, seconds: 3).secondsLeft == nil, "no pace yet")
        let halfway = self.progress(epoch: 1, step: 60, stepsPerEpoch: 120, seconds: 30)
        #expect(halfway.epochsDone == 1.5 && halfway.fraction == 0.375)
        #expect(halfway.secondsLeft == 50, "2.5 epochs left at 20 s per epoch")
        let resumed = self.progress(epoch: 3, step: 0, stepsPerEpoch: 100, first: 2, seconds: 12)
        #expect(resumed.secondsLeft == 12, "one epoch trained in this run took 12 s; one is left")
        #expect(self.progress(epoch: 4, step: 0, stepsPerEpoch: 100, seconds: 40).secondsLeft == 0)
    }

    @Test func theBarAndTheLogLineShowPositionMetricsAndETA() {
        let halfway = self.progress(epoch: 1, step: 60, stepsPerEpoch: 120, seconds: 30)
        #expect(halfway.bar(width: 8) == "trial #3 [###-----] 37% epoch 1/4 step 60/120 · ETA 50s")
        #expect(halfway.logLine == "trial #3 epoch 1/4 valid/score=1.25, ETA 50s")
        let slow = self.progress(epoch: 1, step: 0, stepsPerEpoch: nil, seconds: 1500)
        #expect(slow.bar(width: 4) == "trial #3 [#---] 25% epoch 1/4 · ETA 1h15m")
        #expect(self.progress(epoch: 2, step: 0, stepsPerEpoch: nil, seconds: 95).logLine.hasSuffix("ETA 1m35s"))
    }

    /// The shared pieces clamp the bar to its width and round durations to whole seconds.
    @Test func progressTextClampsAndRounds() {
        #expect(ProgressText.bar(fraction: 1.5, width: 4) == "[####]")
        #expect(ProgressText.bar(fraction: -0.2, width: 3) == "[---]")
        #expect(ProgressText.duration(59.6) == "1m00s" && ProgressText.duration(3599.4) == "59m59s")
    }
}
