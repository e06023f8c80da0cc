import ClusterCore
import Testing

/// Re-sending until acknowledged, with explicit time: the back-off, acknowledgement, forgetting and giving up.
@Suite struct RedeliveryTests {
    /// 1 s doubling to at most 4 s, giving up after 10 s.
    private let settings = RedeliverySettings(
        initialDelay: .seconds(1), maximumDelay: .seconds(4), giveUpAfter: .seconds(10))

    /// The times in [0, `end`] s, probed every 100 ms, at which sequence 1 is due again.
    private func resendTimes(_ redelivery: inout Redelivery<String>, to end: Double) -> [ClusterTime] {
        var times: [ClusterTime] = []
        for tenth in 0...Int(end * 10) {
            let now = ClusterTime.seconds(Double(tenth) / 10)
            if !redelivery.due(now: now).resend.isEmpty { times.append(now) }
        }
        return times
    }

    @Test func anUnacknowledgedMessageIsResentWithADoublingBackOffThenGivenUp() {
        var redelivery = Redelivery<String>(settings: self.settings)
        redelivery.sent(1, "result", now: .zero)
        #expect(self.resendTimes(&redelivery, to: 9.9).map(\.milliseconds) == [1000, 3000, 7000])
        let last = redelivery.due(now: .seconds(11))
        #expect(last.resend.isEmpty)
        #expect(last.givenUp.map(\.sequence) == [1] && last.givenUp.first?.item == "result")
        #expect(redelivery.count == 0, "given up means forgotten")
    }

    @Test func anAcknowledgedMessageIsNeverResent() {
        var redelivery = Redelivery<String>(settings: self.settings)
        redelivery.sent(1, "result", now: .zero)
        redelivery.sent(2, "checkpoint", now: .zero)
        #expect(redelivery.acknowledged(1) == "result")
        #expect(redelivery.acknowledged(1) == nil, "a second Ack of the same message changes nothing")
        #expect(redelivery.due(now: .seconds(1)).resend.map(\.sequence) == [2])
        #expect(redelivery[2] == "checkpoint" && redelivery[1] == nil)
    }

    @Test func forgottenMessagesAreNeitherResentNorGivenUp() {
        var redelivery = Redelivery<String>(settings: self.settings)
        redelivery.sent(1, "run 1", now: .zero)
        redelivery.sent(2, "run 2", now: .zero)
        #expect(redelivery.forget { $0 == "run 1" } == 1)
        #expect(redelivery.items == ["run 2"])
        #expect(redelivery.due(now: .seconds(20)).givenUp.map(\.sequence) == [2])
    }

    @Test func settingsThatCannotWorkAreNamed() {
        #expect(RedeliverySettings().problem == nil)
        #expect(RedeliverySettings(initialDelay: .zero).problem?.contains("positive") == true)
        #expect(
            RedeliverySettings(initialDelay: .seconds(2), maximumDelay: .seconds(1)).problem?.contains("shorter")
                == true)
        #expect(RedeliverySettings(giveUpAfter: .zero).problem?.contains("give-up") == true)
    }
}
