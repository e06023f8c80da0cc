import ClusterProto

// MARK: - Field rules shared by all messages

extension WireValidator {
    /// A non-zero id or counter (proto3 cannot tell 0 from absent, so 0 means missing).
    func positive<Value: BinaryInteger>(_ value: Value, _ field: String) throws(WireError) {
        guard value >= 1 else { throw WireError(.missingField, "\(field) must be at least 1") }
    }

    /// A short printable name: no control characters, at most `maxIdentifierBytes` bytes.
    func identifier(_ value: String, _ field: String, required: Bool = true) throws(WireError) {
        try self.string(value, field, maxBytes: self.limits.maxIdentifierBytes, required: required)
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw WireError(.outOfRange, "\(field) contains control characters")
        }
    }

    /// An identifier of ASCII letters, digits, `.`, `_` and `-`, not starting with `.`: a name that can also be a
    /// file name without leaving its folder.
    func plainName(_ value: String, _ field: String) throws(WireError) {
        try self.identifier(value, field)
        let isPlain =
            !value.hasPrefix(".")
            && value.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || ".-_".unicodeScalars.contains(scalar))
            }
        guard isPlain else {
            throw WireError(.outOfRange, "\(field) '\(value)' has characters other than letters, digits, '.', '_', '-'")
        }
    }

    /// Free text of at most `maxTextBytes` bytes.
    func text(_ value: String, _ field: String, required: Bool) throws(WireError) {
        try self.string(value, field, maxBytes: self.limits.maxTextBytes, required: required)
    }

    private func string(_ value: String, _ field: String, maxBytes: Int, required: Bool) throws(WireError) {
        if required && value.isEmpty { throw WireError(.missingField, "\(field) is empty") }
        guard value.utf8.count <= maxBytes else {
            throw WireError(.outOfRange, "\(field) is \(value.utf8.count) bytes long, the limit is \(maxBytes)")
        }
    }

    /// A ZeroMQ endpoint with a transport MixRec uses.
    func endpoint(_ value: String, _ field: String, required: Bool) throws(WireError) {
        try self.identifier(value, field, required: required)
        guard value.isEmpty || ["tcp://", "ipc://", "inproc://"].contains(where: value.hasPrefix) else {
            throw WireError(.outOfRange, "\(field) '\(value)' is not a tcp://, ipc:// or inproc:// endpoint")
        }
    }

    /// Elapsed wall time: finite and not negative.
    func seconds(_ value: Double, _ field: String) throws(WireError) {
        guard value.isFinite && value >= 0 else {
            throw WireError(.outOfRange, "\(field) must be a finite number of seconds ≥ 0, got \(value)")
        }
    }

    /// Metrics: finite values under distinct non-empty names, at most `maxMetrics` of them.
    func metrics(_ metrics: [Mixrec_Cluster_V1_Metric], _ field: String) throws(WireError) {
        guard metrics.count <= self.limits.maxMetrics else {
            throw WireError(
                .outOfRange, "\(field) has \(metrics.count) entries, the limit is \(self.limits.maxMetrics)")
        }
        var seen = Set<String>()
        for metric in metrics {
            try self.identifier(metric.name, "\(field).name")
            guard seen.insert(metric.name).inserted else {
                throw WireError(.outOfRange, "\(field) names '\(metric.name)' twice")
            }
            guard metric.value.isFinite else {
                throw WireError(.outOfRange, "\(field) '\(metric.name)' is not finite (\(metric.value))")
            }
        }
    }

    /// A parameter blob header: an epoch ≥ 1 and a length within the limit.
    func blob(_ blob: Mixrec_Cluster_V1_ParameterBlob, _ field: String) throws(WireError) {
        try self.positive(blob.epoch, "\(field).epoch")
        guard blob.byteLength <= UInt64(self.limits.maxBlobBytes) else {
            throw WireError(.tooLarge, "\(field).byte_length \(blob.byteLength) exceeds \(self.limits.maxBlobBytes)")
        }
    }
}
