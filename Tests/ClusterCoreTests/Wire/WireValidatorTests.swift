import ClusterCore
import ClusterCoreTestKit
import ClusterProto
import Search
import Testing

/// Each test breaks one rule of an otherwise valid message and checks the code the receiver answers with.
@Suite struct WireValidatorTests {
    private func code(_ message: WireMessage) -> WireErrorCode? {
        do {
            try WireValidator().validate(message)
            return nil
        } catch {
            return error.code
        }
    }

    private func code(_ body: WireBody, blobs: [[UInt8]] = []) -> WireErrorCode? {
        self.code(WireMessage(sequence: 1, body: body, blobs: blobs))
    }

    @Test func envelopeNeedsSequenceAndBody() {
        #expect(self.code(WireMessage(sequence: 0, body: .hello(WireFixtures.hello()))) == .missingField)
        var empty = WireEnvelope()
        empty.protocolVersion = ClusterProtocol.version
        empty.sequence = 1
        #expect(self.code(WireMessage(envelope: empty)) == .missingField)
    }

    @Test func helloRules() {
        #expect(self.code(.hello(WireFixtures.hello())) == nil)
        var hello = WireFixtures.hello()
        hello.workerID = ""
        #expect(self.code(.hello(hello)) == .missingField)
        hello = WireFixtures.hello()
        hello.workerID = "bad\nname"
        #expect(self.code(.hello(hello)) == .outOfRange)
        hello = WireFixtures.hello()
        hello.cores = 0
        #expect(self.code(.hello(hello)) == .missingField)
        hello = WireFixtures.hello()
        hello.protocolVersion = 9
        #expect(self.code(.hello(hello)) == .versionMismatch)
        hello = WireFixtures.hello()
        hello.peerEndpoint = "http://example.com"
        #expect(self.code(.hello(hello)) == .outOfRange)
        hello = WireFixtures.hello()
        hello.host = String(repeating: "h", count: 300)
        #expect(self.code(.hello(hello)) == .outOfRange)
    }

    @Test func welcomeBusyTimeoutIsAbsentOrLongerThanTheHeartbeat() {
        var welcome = WireFixtures.welcome()
        #expect(self.code(.welcome(welcome)) == nil)
        welcome.busyDeadMs = 0
        #expect(self.code(.welcome(welcome)) == nil, "an older coordinator sends none")
        welcome.busyDeadMs = welcome.heartbeatIntervalMs
        #expect(self.code(.welcome(welcome)) == .outOfRange)
    }

    @Test func busyHeartbeatNeedsItsTrial() {
        #expect(self.code(.heartbeat(WireFixtures.busyHeartbeat())) == nil)
        var heartbeat = WireFixtures.busyHeartbeat()
        heartbeat.trialID = 0
        #expect(self.code(.heartbeat(heartbeat)) == .missingField)
        heartbeat.activity = .idle
        #expect(self.code(.heartbeat(heartbeat)) == nil)
        heartbeat.activity = .unspecified
        #expect(self.code(.heartbeat(heartbeat)) == .missingField)
        heartbeat.activity = .UNRECOGNIZED(9)
        #expect(self.code(.heartbeat(heartbeat)) == .outOfRange)
    }

    @Test(arguments: [(2 as UInt32, 2 as UInt32), (1, 5), (3, 3)])
    func rankMustBeBelowWorldSize(worldSize: UInt32, rank: UInt32) {
        let assignment = WireFixtures.assignment(worldSize: worldSize, rank: rank)
        #expect(self.code(.assignment(assignment)) == .outOfRange)
    }

    @Test func assignmentPeersConfigAndResumeRules() {
        #expect(self.code(.assignment(WireFixtures.assignment(worldSize: 1, rank: 0))) == nil)
        var assignment = WireFixtures.assignment()
        assignment.peers.removeLast()
        #expect(self.code(.assignment(assignment)) == .outOfRange)
        assignment = WireFixtures.assignment()
        assignment.peers.swapAt(0, 1)
        #expect(self.code(.assignment(assignment)) == .outOfRange)
        assignment = WireFixtures.assignment()
        assignment.peers[1].endpoint = ""
        #expect(self.code(.assignment(assignment)) == .missingField)
        assignment = WireFixtures.assignment()
        assignment.configJson = "[1, 2]"
        #expect(self.code(.assignment(assignment)) == .outOfRange)
        assignment.configJson = "{\"a\": "
        #expect(self.code(.assignment(assignment)) == .outOfRange)
        assignment.configJson = #"{"a": {"nested": 1}}"#
        #expect(self.code(.assignment(assignment)) == .outOfRange)
        assignment = WireFixtures.assignment()
        assignment.groupID = 0
        #expect(self.code(.assignment(assignment)) == .missingField)
        // A checkpoint of the last of the 5 epochs resumes to evaluate only; one past it is out of range.
        assignment = WireFixtures.assignment()
        assignment.resume = .describing(WireFixtures.parameters, epoch: 5)
        #expect(self.code(.assignment(assignment), blobs: [WireFixtures.parameters]) == nil)
        assignment.resume = .describing(WireFixtures.parameters, epoch: 6)
        #expect(self.code(.assignment(assignment), blobs: [WireFixtures.parameters]) == .outOfRange)
    }

    @Test func anAssignmentMustNameAKnownWireFormat() {
        var assignment = WireFixtures.assignment()
        #expect(assignment.allreduceWire == .float32, "what an older coordinator sends")
        for wire in AllReduceWire.allCases {
            assignment.allreduceWire = wire.wire
            #expect(self.code(.assignment(assignment)) == nil)
            #expect(AllReduceWire(wire: assignment.allreduceWire) == wire)
        }
        assignment.allreduceWire = .UNRECOGNIZED(5)
        #expect(self.code(.assignment(assignment)) == .outOfRange)
    }

    @Test func anAssignmentMustNameATaskWithWhatItNeeds() {
        var assignment = WireFixtures.assignment()
        assignment.task = Mixrec_Cluster_V1_TrialTask()
        #expect(self.code(.assignment(assignment)) == .missingField)
        assignment.task.kind = "mixrec"
        #expect(self.code(.assignment(assignment)) == .missingField, "no training config")
        assignment.task.baseConfig = String(repeating: "#", count: WireLimits().maxConfigBytes + 1)
        #expect(self.code(.assignment(assignment)) == .tooLarge)
        assignment.task = TrialTask.synthetic(.hartmann6).wire
        #expect(self.code(.assignment(assignment)) == nil)
        assignment.task.function = "rosenbrock"
        #expect(self.code(.assignment(assignment)) == .outOfRange)
        for task in [
            TrialTask.synthetic(.mixedSynthetic),
            .config(kind: "mixrec", baseConfig: "seed: 3\n", overrides: ["train.lr=0.01"]),
            .config(kind: "quantum", baseConfig: "qubits: 4\n", overrides: []),
        ] {
            assignment.task = task.wire
            #expect(self.code(.assignment(assignment)) == nil, "any named kind: its worker's runner decides")
            #expect(TrialTask(wire: task.wire) == task)
        }
    }

    @Test func aTaskKindIsAPlainNameWithinTheIdentifierLimit() {
        var assignment = WireFixtures.assignment()
        for good in ["quantum", "my-kind_2.1", String(repeating: "k", count: WireLimits().maxIdentifierBytes)] {
            assignment.task.kind = good
            #expect(self.code(.assignment(assignment)) == nil, "\(good)")
        }
        let tooLong = String(repeating: "k", count: WireLimits().maxIdentifierBytes + 1)
        for bad in ["two words", "../mixrec", ".hidden", "kind\n", "ké", tooLong] {
            assignment.task.kind = bad
            #expect(self.code(.assignment(assignment)) == .outOfRange, "\(bad)")
        }
    }

    @Test func metricsMustBeFiniteAndDistinct() {
        for bad in [Double.nan, .infinity, -.infinity] {
            var progress = WireFixtures.progress()
            progress.metrics[0].value = bad
            #expect(self.code(.progress(progress)) == .outOfRange)
        }
        var progress = WireFixtures.progress()
        progress.metrics[1].name = progress.metrics[0].name
        #expect(self.code(.progress(progress)) == .outOfRange)
        progress = WireFixtures.progress()
        progress.epoch = 0
        #expect(self.code(.progress(progress)) == .missingField)
        progress = WireFixtures.progress()
        progress.seconds = -1
        #expect(self.code(.progress(progress)) == .outOfRange)
        var result = WireFixtures.result()
        result.metrics = []
        #expect(self.code(.result(result)) == .missingField)
    }

    @Test func rawFramesMustMatchTheirHeader() {
        var message = WireFixtures.checkpointMessage()
        #expect(self.code(message) == nil)
        message.blobs[0][100] ^= 1
        #expect(self.code(message) == .checksum)
        message.blobs[0].removeLast()
        #expect(self.code(message) == .outOfRange)
        message.blobs = []
        #expect(self.code(message) == .outOfRange)
        #expect(self.code(.heartbeat(WireFixtures.busyHeartbeat()), blobs: [[1]]) == .outOfRange)
    }

    @Test func aWarmStartTravelsChecksummedUnderAFileName() {
        var upload = WireFixtures.warmStartMessage()
        #expect(self.code(upload) == nil)
        upload.blobs[0][100] ^= 1
        #expect(self.code(upload) == .checksum, "a frame damaged in transit is refused")
        upload.blobs = []
        #expect(self.code(upload) == .outOfRange)
        for name in ["../etc/passwd", ".hidden", "a b", ""] {
            var named = WireFixtures.warmStartMessage()
            guard case .warmStart(var body) = named.envelope.body else { return }
            body.warmStart.name = name
            named.envelope.body = .warmStart(body)
            #expect(self.code(named) != nil, "\(name)")
        }
        // An assignment names a warm start to compute without bytes, or carries one; never beside a resume.
        var assignment = WireFixtures.assignment()
        assignment.warmStart = .describing(nil, name: "0123456789abcdef")
        #expect(self.code(.assignment(assignment)) == nil)
        assignment.warmStart = .describing(WireFixtures.parameters, name: "0123456789abcdef")
        #expect(self.code(.assignment(assignment), blobs: [WireFixtures.parameters]) == nil)
        #expect(self.code(.assignment(assignment)) == .outOfRange, "its frame is missing")
        assignment.resume = .describing(WireFixtures.parameters, epoch: 1)
        #expect(self.code(.assignment(assignment), blobs: [WireFixtures.parameters]) == .outOfRange)
    }

    @Test func cancelAndErrorNeedKnownReasons() {
        var cancel = Mixrec_Cluster_V1_CancelTrial()
        cancel.trialID = 1
        cancel.attempt = 1
        #expect(self.code(.cancel(cancel)) == .missingField)
        var error = Mixrec_Cluster_V1_Error()
        #expect(self.code(.error(error)) == .missingField)
        error.code = .UNRECOGNIZED(99)
        #expect(self.code(.error(error)) == .outOfRange)
    }
}
