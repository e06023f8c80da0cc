import Cluster
import ClusterCoreTestKit
import ClusterProto
import Foundation
import Testing
import ZeroMQ

/// A worker shell against a scripted coordinator (a ROUTER socket) that acknowledges only what the test says.
@Suite struct WorkerRedeliveryTests {
    /// A scripted coordinator: one ROUTER, the identity of the worker that said Hello, bounded waits.
    final class ScriptedCoordinator {
        let socket: ZMQSocket
        let endpoint: String
        private(set) var worker: [UInt8] = []
        private var sequence: UInt64 = 1

        init(context: ZMQContext) throws {
            self.socket = try ZMQSocket(context: context, type: .router)
            try self.socket.setReceiveTimeout(milliseconds: 20)
            try self.socket.bind("tcp://127.0.0.1:*")
            self.endpoint = try self.socket.lastEndpoint()
        }

        /// Sends `body` to the worker and returns its sequence number.
        @discardableResult
        func send(_ body: WireBody) throws -> UInt64 {
            defer { self.sequence += 1 }
            try self.socket.send([self.worker] + WireMessage(sequence: self.sequence, body: body).frames())
            return self.sequence
        }

        /// Every message received for `duration` (the Hello's sender becomes `worker`).
        func collect(for duration: Duration) throws -> [WireMessage] {
            var messages: [WireMessage] = []
            let deadline = ContinuousClock.now + duration
            while ContinuousClock.now < deadline {
                guard let frames = try self.socket.receive(maxFrames: 4), frames.count >= 2 else { continue }
                let message = try WireMessage.decode(frames: frames.dropFirst())
                if case .hello = message.envelope.body { self.worker = frames[0] }
                messages.append(message)
            }
            return messages
        }

        /// Receives until a message matches (at most `timeout`).
        func next(timeout: Duration = .seconds(5), where matches: (WireMessage) -> Bool) throws -> WireMessage? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let message = try self.collect(for: .milliseconds(20)).first(where: matches) { return message }
            }
            return nil
        }
    }

    private func ack(_ sequence: UInt64) -> WireBody {
        var ack = Mixrec_Cluster_V1_Ack()
        ack.ackedSequence = sequence
        return .ack(ack)
    }

    @Test func reportsAreResentUntilAcknowledgedOnlyTheNewestCheckpointAndNoneAfterACancel() throws {
        let context = try ZMQContext()
        let coordinator = try ScriptedCoordinator(context: context)
        let stop = StopSignal()
        defer { stop.stop() }
        let exited = startWorkerThread("w1", context: context, endpoint: coordinator.endpoint, stop: stop) {
            $0.redelivery = AcknowledgementLoopbackTests.redelivery
        }
        try #require(try coordinator.next { $0.kind == "Hello" } != nil)
        try coordinator.send(.welcome(WireFixtures.welcome()))
        var assignment = WireFixtures.assignment(worldSize: 1, rank: 0)
        assignment.configJson = #"{"x":5}"#
        assignment.maxEpochs = 3
        let assigned = try coordinator.send(.assignment(assignment))
        let assignmentAck = try coordinator.next { $0.ack != nil }
        #expect(assignmentAck?.ack?.ackedSequence == assigned, "the worker acknowledges the assignment")

        // Nothing is acknowledged for a while: the newest checkpoint comes again, older ones do not, and the result
        // waits for the final checkpoint (the study's last result would end the study without it).
        let unacknowledged = try coordinator.collect(for: .milliseconds(1200))
        #expect(!unacknowledged.contains { $0.kind == "TrialResult" }, "held while its checkpoint is unacknowledged")
        // Meanwhile the run is still this worker's: its heartbeats name it as busy, at its last epoch, instead of
        // letting the coordinator take the worker for idle and re-queue the trial after heartbeat.busy_dead_ms.
        let beats = unacknowledged.compactMap { message -> Mixrec_Cluster_V1_Heartbeat? in
            if case .heartbeat(let heartbeat) = message.envelope.body { heartbeat } else { nil }
        }
        #expect(!beats.isEmpty)
        #expect(
            beats.allSatisfy {
                $0.activity == .busy && $0.trialID == assignment.trialID && $0.attempt == assignment.attempt
            }, "busy with the run whose result is held")
        #expect(beats.last?.epoch == 3)
        let checkpoints = unacknowledged.compactMap { message -> (epoch: UInt32, sequence: UInt64)? in
            guard case .checkpoint(let upload) = message.envelope.body else { return nil }
            return (upload.blob.epoch, message.envelope.sequence)
        }
        let epochs = checkpoints.map(\.epoch)
        #expect(epochs.filter { $0 < 3 }.count <= 2, "epochs 1 and 2 at most once each: the newest replaced them")
        #expect(epochs.filter { $0 == 3 }.count >= 2)

        // The final checkpoint acknowledged: the result is sent, and again until it is acknowledged.
        try coordinator.send(self.ack(try #require(checkpoints.last { $0.epoch == 3 }).sequence))
        let results = try coordinator.collect(for: .milliseconds(600)).filter { $0.kind == "TrialResult" }
        #expect(results.count >= 2)
        #expect(Set(results.map(\.envelope.sequence)).count == 1, "copies keep the first one's sequence number")

        // The result acknowledged: it stops. The run cancelled: nothing of it is sent again.
        try coordinator.send(self.ack(try #require(results.first).envelope.sequence))
        var cancel = Mixrec_Cluster_V1_CancelTrial()
        cancel.trialID = assignment.trialID
        cancel.attempt = assignment.attempt
        cancel.reason = .reassigned
        let cancelled = try coordinator.send(.cancel(cancel))
        let settled = try coordinator.collect(for: .milliseconds(300))
        #expect(settled.contains { $0.ack?.ackedSequence == cancelled }, "the worker acknowledges the cancel")
        let afterwards = try coordinator.collect(for: .milliseconds(1000))
        #expect(afterwards.filter { $0.kind == "TrialResult" || $0.kind == "CheckpointUpload" }.isEmpty)
        #expect(
            afterwards.allSatisfy {
                if case .heartbeat(let heartbeat) = $0.envelope.body { heartbeat.activity == .idle } else { true }
            }, "idle once the result is sent")
        stop.stop()
        #expect(exited.wait(timeout: .now() + 10) == .success)
    }
}
