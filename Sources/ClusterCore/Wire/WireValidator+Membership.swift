import ClusterProto

// MARK: - Hello, Welcome, Heartbeat

extension WireValidator {
    func validate(_ hello: Mixrec_Cluster_V1_Hello) throws(WireError) {
        try self.identifier(hello.workerID, "hello.worker_id")
        try self.positive(hello.incarnation, "hello.incarnation")
        try self.identifier(hello.host, "hello.host", required: false)
        try self.positive(hello.cores, "hello.cores")
        guard hello.cores <= self.limits.maxCores else {
            throw WireError(.outOfRange, "hello.cores \(hello.cores) exceeds \(self.limits.maxCores)")
        }
        guard hello.protocolVersion == ClusterProtocol.version else {
            throw WireError(
                .versionMismatch,
                "worker speaks protocol \(hello.protocolVersion), the coordinator \(ClusterProtocol.version)")
        }
        try self.endpoint(hello.peerEndpoint, "hello.peer_endpoint", required: false)
        for (list, field) in [
            (hello.cachedDatasets, "hello.cached_datasets"), (hello.cachedModels, "hello.cached_models"),
        ] {
            guard list.count <= self.limits.maxCachedItems else {
                throw WireError(
                    .outOfRange, "\(field) has \(list.count) entries, the limit is \(self.limits.maxCachedItems)")
            }
            for item in list { try self.identifier(item, field) }
        }
    }

    func validate(_ welcome: Mixrec_Cluster_V1_Welcome) throws(WireError) {
        try self.identifier(welcome.workerID, "welcome.worker_id")
        try self.positive(welcome.incarnation, "welcome.incarnation")
        try self.positive(welcome.heartbeatIntervalMs, "welcome.heartbeat_interval_ms")
        try self.identifier(welcome.studyID, "welcome.study_id", required: false)
        guard welcome.busyDeadMs == 0 || welcome.busyDeadMs > welcome.heartbeatIntervalMs else {
            throw WireError(
                .outOfRange,
                "welcome.busy_dead_ms (\(welcome.busyDeadMs)) must exceed heartbeat_interval_ms "
                    + "(\(welcome.heartbeatIntervalMs)) or be 0")
        }
    }

    func validate(_ heartbeat: Mixrec_Cluster_V1_Heartbeat) throws(WireError) {
        try self.identifier(heartbeat.workerID, "heartbeat.worker_id")
        try self.positive(heartbeat.incarnation, "heartbeat.incarnation")
        try self.seconds(heartbeat.allreduceSeconds, "heartbeat.allreduce_seconds")
        switch heartbeat.activity {
        case .idle:
            break
        case .busy:
            try self.positive(heartbeat.trialID, "heartbeat.trial_id")
            try self.positive(heartbeat.attempt, "heartbeat.attempt")
        case .unspecified:
            throw WireError(.missingField, "heartbeat.activity is unspecified")
        case .UNRECOGNIZED(let raw):
            throw WireError(.outOfRange, "heartbeat.activity \(raw) is unknown")
        }
    }
}
