import ClusterCore
import Testing

@Suite struct WorkerThroughputTests {
    @Test func theStepRateIsMeasuredOverWindowsAndRestartsWhenTotalsFall() {
        var throughput = WorkerThroughput(window: .seconds(2))
        let first = throughput.record("w", steps: 100, allReduceBytes: 10, allReduceSeconds: 0.5, now: .seconds(0))
        #expect(first?.stepRate == nil && first?.steps == 100, "the first sample is stored without a rate")
        #expect(throughput.record("w", steps: 110, allReduceBytes: 20, allReduceSeconds: 0.6, now: .seconds(1)) == nil)
        #expect(throughput.samples["w"]?.steps == 110, "totals are kept while the window fills")
        let measured = throughput.record("w", steps: 150, allReduceBytes: 40, allReduceSeconds: 1, now: .seconds(2.5))
        #expect(measured?.stepRate == 20, "50 steps in 2.5 s")
        #expect(throughput.record("w", steps: 160, allReduceBytes: 40, allReduceSeconds: 1, now: .seconds(3)) == nil)
        #expect(throughput.samples["w"]?.stepRate == 20, "the last rate stays until the next window")
        let next = throughput.record("w", steps: 190, allReduceBytes: 40, allReduceSeconds: 1, now: .seconds(4.5))
        #expect(next?.stepRate == 20, "40 steps in 2 s")

        let restarted = throughput.record("w", steps: 3, allReduceBytes: 0, allReduceSeconds: 0, now: .seconds(5))
        #expect(restarted?.stepRate == nil && restarted?.steps == 3, "a new process starts a new measurement")
        #expect(throughput.record("v", steps: 0, allReduceBytes: 0, allReduceSeconds: 0, now: .seconds(5)) != nil)
        throughput.forget("w")
        #expect(throughput.samples["w"] == nil && throughput.samples["v"] != nil)
    }
}
