import Testing

@testable import ClusterCore

/// The closed-connection log's rate limit, with explicit time.
@Suite struct LogRateLimitTests {
    @Test func theFirstEventLogsAndEventsWithinTheIntervalAreCountedForTheNextLine() {
        var limit = LogRateLimit(interval: .seconds(10))
        #expect(limit.admit(now: .seconds(1)) == 0, "the first line, nothing left out")
        // A storm: 1,000 events in the next 9.99 s produce no line.
        for index in 1...1000 {
            #expect(limit.admit(now: .seconds(1) + .milliseconds(index * 9) + .milliseconds(990)) == nil)
        }
        #expect(limit.suppressed == 1000)
        #expect(limit.admit(now: .seconds(11)) == 1000, "the next line reports what was left out")
        #expect(limit.suppressed == 0)
        #expect(limit.admit(now: .seconds(15)) == nil)
        #expect(limit.admit(now: .seconds(21)) == 1)
        #expect(limit.admit(now: .seconds(40)) == 0, "a quiet spell logs the next event at once")
    }

    @Test func aStormThatEndsIsSummarisedOnceTheIntervalHasPassed() {
        var limit = LogRateLimit(interval: .seconds(10))
        #expect(limit.due(now: .seconds(100)) == nil, "nothing logged, nothing due")
        #expect(limit.admit(now: .zero) == 0)
        #expect(limit.due(now: .seconds(20)) == nil, "nothing left out")
        _ = limit.admit(now: .seconds(20))
        for second in 21...25 { #expect(limit.admit(now: .seconds(Double(second))) == nil) }
        #expect(limit.due(now: .seconds(29.999)) == nil, "not before the interval")
        #expect(limit.due(now: .seconds(30)) == 5)
        #expect(limit.due(now: .seconds(45)) == nil, "reported once")
        #expect(limit.admit(now: .seconds(35)) == nil, "the summary was a line: the interval runs from it")
        #expect(limit.admit(now: .seconds(40)) == 1)
    }
}
