import ClusterProto
import Search

// MARK: - Protocol messages ↔ domain values

extension WorkerInfo {
    /// The worker a validated Hello describes.
    public init(_ hello: Mixrec_Cluster_V1_Hello) {
        self.init(
            id: WorkerID(hello.workerID), incarnation: hello.incarnation, host: hello.host, cores: Int(hello.cores),
            peerEndpoint: hello.peerEndpoint, cachedDatasets: hello.cachedDatasets, cachedModels: hello.cachedModels)
    }
}

extension Metrics {
    /// Metrics from a validated (distinct names, finite values) list.
    public init(wire metrics: [Mixrec_Cluster_V1_Metric]) {
        self.init(uniqueKeysWithValues: metrics.map { ($0.name, $0.value) })
    }

    /// The list form, sorted by name so equal metrics encode equally.
    public var wire: [Mixrec_Cluster_V1_Metric] {
        self.sorted { $0.key < $1.key }.map { name, value in
            var metric = Mixrec_Cluster_V1_Metric()
            metric.name = name
            metric.value = value
            return metric
        }
    }
}

extension CancellationReason {
    /// The protocol's code for this reason.
    public var wire: Mixrec_Cluster_V1_CancelReason {
        switch self {
        case .pruned: .pruned
        case .cancelled: .cancelled
        case .reassigned: .reassigned
        }
    }
}

extension WorkerReport {
    /// The report a validated progress, checkpoint, result or failure body carries; nil for other bodies.
    public init?(_ body: WireBody) {
        switch body {
        case .progress(let progress):
            self = .progress(
                trial: TrialID(progress.trialID), attempt: Int(progress.attempt), epoch: Int(progress.epoch),
                metrics: Metrics(wire: progress.metrics), seconds: progress.seconds)
        case .checkpoint(let upload):
            self = .checkpoint(
                trial: TrialID(upload.trialID), attempt: Int(upload.attempt), epoch: Int(upload.blob.epoch))
        case .result(let result):
            self = .result(
                trial: TrialID(result.trialID), attempt: Int(result.attempt), metrics: Metrics(wire: result.metrics),
                seconds: result.seconds)
        case .failure(let failure):
            self = .failure(
                trial: TrialID(failure.trialID), attempt: Int(failure.attempt), reason: failure.reason,
                retryable: failure.retryable)
        default:
            return nil
        }
    }
}

extension TrialTask {
    /// The task a wire message names: a synthetic task with a known function, or a config task of any other non-empty
    /// kind with a non-empty config; else nil. Whether the kind is one a worker trains is its runner's call.
    public init?(wire task: Mixrec_Cluster_V1_TrialTask) {
        switch task.kind {
        case "":
            return nil
        case Self.syntheticKind:
            guard let function = SyntheticObjective(rawValue: task.function) else { return nil }
            self = .synthetic(function)
        default:
            guard !task.baseConfig.isEmpty else { return nil }
            self = .config(kind: task.kind, baseConfig: task.baseConfig, overrides: task.overrides)
        }
    }

    /// The wire form.
    public var wire: Mixrec_Cluster_V1_TrialTask {
        var task = Mixrec_Cluster_V1_TrialTask()
        task.kind = self.kind
        switch self {
        case .synthetic(let function): task.function = function.rawValue
        case .config(_, let baseConfig, let overrides):
            task.baseConfig = baseConfig
            task.overrides = overrides
        }
        return task
    }
}

extension AllReduceWire {
    /// The wire format an assignment names; nil for a value this build does not know.
    public init?(wire: Mixrec_Cluster_V1_AllReduceWire) {
        switch wire {
        case .float32: self = .float32
        case .bfloat16: self = .bfloat16
        case .UNRECOGNIZED: return nil
        }
    }

    /// The wire form.
    public var wire: Mixrec_Cluster_V1_AllReduceWire {
        switch self {
        case .float32: .float32
        case .bfloat16: .bfloat16
        }
    }
}
