import Testing

@testable import MixRec

@Suite struct LearningRateScheduleTests {
    @Test func warmsUpLinearlyThenDecaysToTheFloor() {
        let schedule = LearningRateSchedule(peak: 1e-3, totalSteps: 101, warmupFraction: 0.1, floor: 0.1)
        #expect(schedule.warmupSteps == 10)
        #expect(abs(schedule.rate(atStep: 0) - 1e-4) < 1e-12)
        #expect(abs(schedule.rate(atStep: 9) - 1e-3) < 1e-12)
        #expect(abs(schedule.rate(atStep: 10) - 1e-3) < 1e-12)
        // Halfway through the decay the cosine factor is 1/2.
        #expect(abs(schedule.rate(atStep: 55) - 1e-3 * (0.1 + 0.9 * 0.5)) < 1e-9)
        #expect(abs(schedule.rate(atStep: 100) - 1e-4) < 1e-12)
        let rates = (10...100).map(schedule.rate(atStep:))
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test func noWarmupStartsAtThePeak() {
        let schedule = LearningRateSchedule(peak: 0.01, totalSteps: 5, warmupFraction: 0)
        #expect(schedule.rate(atStep: 0) == 0.01)
    }
}
