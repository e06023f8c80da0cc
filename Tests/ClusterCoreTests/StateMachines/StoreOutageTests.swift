import ClusterCore
import ClusterProto
import Testing

/// The retry back-off of a failing study store and the queue of workers' messages held meanwhile.
@Suite struct StoreOutageTests {
    @Test func retriesBackOffByDoublingUpToTheMaximum() {
        var settings = StoreRetrySettings()
        settings.initialDelay = .milliseconds(100)
        settings.maximumDelay = .milliseconds(500)
        var outage = StoreOutage(failedAt: .seconds(1), settings: settings)
        #expect(outage.failures == 1 && outage.began == .seconds(1))
        #expect(!outage.isDue(.seconds(1.099)) && outage.isDue(.seconds(1.1)))
        var waits: [Int64] = []
        var now = ClusterTime.seconds(1.1)
        for _ in 0..<4 {
            outage.failedAgain(at: now)
            waits.append(outage.delay.wholeMilliseconds)
            #expect(outage.nextAttempt == now + outage.delay)
            now = outage.nextAttempt
        }
        #expect(waits == [200, 400, 500, 500])
        #expect(outage.failures == 5)
    }

    @Test func inconsistentRetrySettingsAreNamed() {
        var settings = StoreRetrySettings()
        #expect(settings.isConsistent)
        settings.initialDelay = .seconds(10)
        #expect(!settings.isConsistent)
        settings.initialDelay = .zero
        #expect(!settings.isConsistent)
    }

    private func heartbeat(_ worker: String, steps: UInt64) -> WireMessage {
        var heartbeat = Mixrec_Cluster_V1_Heartbeat()
        heartbeat.workerID = worker
        heartbeat.incarnation = 1
        heartbeat.stepsTotal = steps
        return WireMessage(sequence: steps, body: .heartbeat(heartbeat))
    }

    private func hello(_ worker: String, incarnation: UInt64) -> WireMessage {
        var hello = Mixrec_Cluster_V1_Hello()
        hello.workerID = worker
        hello.incarnation = incarnation
        return WireMessage(sequence: 1, body: .hello(hello))
    }

    private func result(trial: UInt64) -> WireMessage {
        var result = Mixrec_Cluster_V1_TrialResult()
        result.trialID = trial
        result.attempt = 1
        return WireMessage(sequence: trial, body: .result(result))
    }

    private func item(_ message: WireMessage, from identity: UInt8) -> DeferredMessage {
        DeferredMessage(identity: [identity], key: nil, message: message)
    }

    @Test func heartbeatsCoalesceUntilAnotherMessageOfTheSameConnectionIsQueued() {
        var queue = DeferredMessages(maxMessages: 100, maxBytes: 1 << 20)
        #expect(queue.append(self.item(self.heartbeat("a", steps: 1), from: 1)) == .queued)
        #expect(queue.append(self.item(self.heartbeat("b", steps: 1), from: 2)) == .queued)
        #expect(queue.append(self.item(self.heartbeat("a", steps: 2), from: 1)) == .coalesced)
        #expect(queue.append(self.item(self.result(trial: 7), from: 1)) == .queued)
        #expect(queue.append(self.item(self.heartbeat("a", steps: 3), from: 1)) == .queued)
        #expect(queue.append(self.item(self.heartbeat("b", steps: 2), from: 2)) == .coalesced)
        var order: [String] = []
        while let next = queue.popFirst() {
            switch next.message.envelope.body {
            case .heartbeat(let beat): order.append("\(beat.workerID)\(beat.stepsTotal)")
            case .result(let result): order.append("result\(result.trialID)")
            default: order.append("?")
            }
        }
        // The newest heartbeat of each connection, in the place of the oldest it replaced; the result keeps its place.
        #expect(order == ["a2", "b2", "result7", "a3"])
        #expect(queue.isEmpty && queue.bytes == 0)
    }

    @Test func aRepeatedHelloOfTheSameIncarnationIsDroppedAndANewIncarnationKept() {
        var queue = DeferredMessages(maxMessages: 100, maxBytes: 1 << 20)
        #expect(queue.append(self.item(self.hello("a", incarnation: 1), from: 1)) == .queued)
        #expect(queue.append(self.item(self.hello("a", incarnation: 1), from: 1)) == .coalesced)
        #expect(queue.append(self.item(self.hello("a", incarnation: 2), from: 1)) == .queued)
        #expect(queue.count == 2)
    }

    @Test func aFullQueueRefusesByCountAndByBytes() {
        var queue = DeferredMessages(maxMessages: 2, maxBytes: 1 << 20)
        #expect(queue.append(self.item(self.result(trial: 1), from: 1)) == .queued)
        #expect(queue.append(self.item(self.result(trial: 2), from: 1)) == .queued)
        #expect(queue.append(self.item(self.result(trial: 3), from: 1)) == .full)
        #expect(queue.popFirst()?.message == self.result(trial: 1))
        #expect(queue.append(self.item(self.result(trial: 3), from: 1)) == .queued)

        var small = DeferredMessages(maxMessages: 100, maxBytes: 1000)
        var upload = self.result(trial: 4)
        upload.blobs = [Array(repeating: 0, count: 600)]
        var another = self.result(trial: 5)
        another.blobs = upload.blobs
        #expect(small.append(self.item(upload, from: 1)) == .queued)
        #expect(small.append(self.item(another, from: 1)) == .full)
        #expect(small.count == 1)
    }

    @Test func aReportResentUnchangedIsQueuedOnceButAnotherConnectionsOrAnotherReportIsKept() {
        var queue = DeferredMessages(maxMessages: 100, maxBytes: 1 << 20)
        #expect(queue.append(self.item(self.result(trial: 1), from: 1)) == .queued)
        #expect(queue.append(self.item(self.heartbeat("a", steps: 1), from: 1)) == .queued)
        #expect(queue.append(self.item(self.result(trial: 1), from: 1)) == .coalesced, "a re-sent copy")
        #expect(queue.append(self.item(self.result(trial: 1), from: 2)) == .queued, "another connection's")
        #expect(queue.append(self.item(self.result(trial: 2), from: 1)) == .queued, "another report")
        #expect(queue.count == 4)
    }
}
