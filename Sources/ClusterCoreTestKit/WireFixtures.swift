import ClusterCore
import ClusterProto

/// Valid messages of every kind, for round trips and for breaking one field at a time.
public enum WireFixtures {
    public static func hello() -> Mixrec_Cluster_V1_Hello {
        var hello = Mixrec_Cluster_V1_Hello()
        hello.workerID = "worker-a"
        hello.incarnation = 1_700_000_000_000
        hello.host = "node1"
        hello.cores = 2
        hello.protocolVersion = ClusterProtocol.version
        hello.peerEndpoint = "tcp://127.0.0.1:7001"
        hello.cachedDatasets = ["synthetic-small"]
        hello.cachedModels = ["smollm2-135m"]
        return hello
    }

    public static func assignment(worldSize: UInt32 = 2, rank: UInt32 = 1) -> Mixrec_Cluster_V1_TrialAssignment {
        var assignment = Mixrec_Cluster_V1_TrialAssignment()
        assignment.trialID = 42
        assignment.attempt = 2
        assignment.groupID = 7
        assignment.rank = rank
        assignment.worldSize = worldSize
        assignment.peers = (0..<worldSize).map { rank in
            var peer = Mixrec_Cluster_V1_GroupPeer()
            peer.rank = rank
            peer.workerID = "worker-\(rank)"
            peer.endpoint = "tcp://127.0.0.1:\(7000 + rank)"
            return peer
        }
        assignment.configJson = #"{"layers":4,"lr":0.001}"#
        let task = TrialTask.config(kind: "mixrec", baseConfig: "train:\n  epochs: 5\n", overrides: ["seed=3"])
        assignment.task = task.wire
        assignment.maxEpochs = 5
        assignment.seed = 1234
        return assignment
    }

    public static func metrics(_ pairs: [(String, Double)]) -> [Mixrec_Cluster_V1_Metric] {
        pairs.map { name, value in
            var metric = Mixrec_Cluster_V1_Metric()
            metric.name = name
            metric.value = value
            return metric
        }
    }

    public static func progress() -> Mixrec_Cluster_V1_Progress {
        var progress = Mixrec_Cluster_V1_Progress()
        progress.trialID = 42
        progress.attempt = 1
        progress.epoch = 3
        progress.metrics = self.metrics([("valid/ndcg@10", 0.125), ("train/loss", 4.5)])
        progress.seconds = 12.5
        return progress
    }

    public static func result() -> Mixrec_Cluster_V1_TrialResult {
        var result = Mixrec_Cluster_V1_TrialResult()
        result.trialID = 42
        result.attempt = 1
        result.metrics = self.metrics([("valid/ndcg@10", 0.2), ("test/ndcg@10", 0.19)])
        result.seconds = 99
        result.epochs = 5
        return result
    }

    public static func busyHeartbeat() -> Mixrec_Cluster_V1_Heartbeat {
        var heartbeat = Mixrec_Cluster_V1_Heartbeat()
        heartbeat.workerID = "worker-a"
        heartbeat.incarnation = 3
        heartbeat.activity = .busy
        heartbeat.trialID = 42
        heartbeat.attempt = 1
        heartbeat.epoch = 2
        heartbeat.step = 17
        return heartbeat
    }

    public static let parameters: [UInt8] = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    public static func checkpointMessage(sequence: UInt64 = 9) -> WireMessage {
        var upload = Mixrec_Cluster_V1_CheckpointUpload()
        upload.trialID = 42
        upload.attempt = 1
        upload.blob = .describing(self.parameters, epoch: 2)
        return WireMessage(sequence: sequence, body: .checkpoint(upload), blobs: [self.parameters])
    }

    /// A warm start's upload by rank 0 of trial 42 (the fixture's parameters as its file).
    public static func warmStartMessage(sequence: UInt64 = 9) -> WireMessage {
        var upload = Mixrec_Cluster_V1_WarmStartUpload()
        upload.trialID = 42
        upload.attempt = 1
        upload.warmStart = .describing(self.parameters, name: "0123456789abcdef")
        return WireMessage(sequence: sequence, body: .warmStart(upload), blobs: [self.parameters])
    }

    /// A valid Welcome (heartbeat every 500 ms, busy workers dead after 10 s).
    public static func welcome() -> Mixrec_Cluster_V1_Welcome {
        var welcome = Mixrec_Cluster_V1_Welcome()
        welcome.workerID = "worker-a"
        welcome.incarnation = 5
        welcome.heartbeatIntervalMs = 500
        welcome.studyID = "demo"
        welcome.busyDeadMs = 10_000
        return welcome
    }

    /// One valid message of every body kind.
    public static func everyKind() -> [WireMessage] {
        var shutdown = Mixrec_Cluster_V1_Shutdown()
        shutdown.reason = "budget reached"
        var resumed = self.assignment()
        resumed.resume = .describing(self.parameters, epoch: 2)
        var computing = self.assignment()
        computing.warmStart = .describing(nil, name: "0123456789abcdef")
        var shipping = self.assignment()
        shipping.warmStart = .describing(self.parameters, name: "0123456789abcdef")
        var failure = Mixrec_Cluster_V1_TrialFailure()
        failure.trialID = 42
        failure.attempt = 1
        failure.reason = "loss diverged"
        var cancel = Mixrec_Cluster_V1_CancelTrial()
        cancel.trialID = 42
        cancel.attempt = 1
        cancel.reason = .pruned
        var ack = Mixrec_Cluster_V1_Ack()
        ack.ackedSequence = 3
        let bodies: [WireBody] = [
            .hello(self.hello()), .welcome(self.welcome()), .heartbeat(self.busyHeartbeat()), .shutdown(shutdown),
            .assignment(self.assignment()), .progress(self.progress()), .result(self.result()),
            .failure(failure), .cancel(cancel), .ack(ack), .assignment(computing),
        ]
        var messages = bodies.enumerated().map { WireMessage(sequence: UInt64($0.offset + 1), body: $0.element) }
        messages.append(WireMessage(sequence: 20, body: .assignment(resumed), blobs: [self.parameters]))
        messages.append(self.checkpointMessage(sequence: 21))
        messages.append(WireMessage(sequence: 23, body: .assignment(shipping), blobs: [self.parameters]))
        messages.append(self.warmStartMessage(sequence: 24))
        messages.append(
            WireMessage(envelope: WireError(.outOfRange, "bad rank", sequence: 4).replyEnvelope(sequence: 22)))
        return messages
    }
}
