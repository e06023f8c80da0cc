import ClusterProto

/// Checks a decoded message against the protocol's rules: version, required fields, ranges and raw frames.
///
/// Every rule maps to an `ErrorCode`: an unknown version is `.versionMismatch`, an empty required field
/// `.missingField`, a value outside its range `.outOfRange`, a raw frame that does not match its header
/// `.outOfRange` (length) or `.checksum` (CRC-32C).
public struct WireValidator: Sendable {
    /// The limits applied.
    public let limits: WireLimits

    /// Creates a validator with `limits`.
    public init(limits: WireLimits = WireLimits()) {
        self.limits = limits
    }

    /// Validates `message`.
    /// - Throws: `WireError` for the first rule broken (its `sequence` is filled in by `WireMessage.decode`).
    public func validate(_ message: WireMessage) throws(WireError) {
        let envelope = message.envelope
        guard envelope.protocolVersion == ClusterProtocol.version else {
            throw WireError(
                .versionMismatch,
                "protocol version \(envelope.protocolVersion) is not supported (this side speaks \(ClusterProtocol.version))"
            )
        }
        guard envelope.sequence >= 1 else { throw WireError(.missingField, "envelope.sequence must be at least 1") }
        guard let body = envelope.body else { throw WireError(.missingField, "envelope has no body") }
        try self.validate(body)
        try self.validateBlobs(of: body, message.blobs)
    }

    // MARK: - Bodies

    func validate(_ body: WireBody) throws(WireError) {
        switch body {
        case .hello(let hello): try self.validate(hello)
        case .welcome(let welcome): try self.validate(welcome)
        case .heartbeat(let heartbeat): try self.validate(heartbeat)
        case .shutdown(let shutdown): try self.text(shutdown.reason, "shutdown.reason", required: false)
        case .assignment(let assignment): try self.validate(assignment)
        case .progress(let progress): try self.validate(progress)
        case .checkpoint(let upload): try self.validate(upload)
        case .result(let result): try self.validate(result)
        case .failure(let failure): try self.validate(failure)
        case .cancel(let cancel): try self.validate(cancel)
        case .warmStart(let upload): try self.validate(upload)
        case .error(let error): try self.validate(error)
        case .ack(let ack): try self.positive(ack.ackedSequence, "ack.acked_sequence")
        }
    }

    private func validate(_ error: Mixrec_Cluster_V1_Error) throws(WireError) {
        guard error.code != .unspecified else { throw WireError(.missingField, "error.code is unspecified") }
        if case .UNRECOGNIZED(let raw) = error.code {
            throw WireError(.outOfRange, "error.code \(raw) is unknown")
        }
        try self.text(error.message, "error.message", required: false)
    }

    // MARK: - Raw frames

    private func validateBlobs(of body: WireBody, _ blobs: [[UInt8]]) throws(WireError) {
        let expected: (byteLength: UInt64, crc32C: UInt32)?
        switch body {
        case .assignment(let assignment) where assignment.hasResume:
            expected = (assignment.resume.byteLength, assignment.resume.crc32C)
        case .assignment(let assignment) where assignment.warmStart.byteLength > 0:
            expected = (assignment.warmStart.byteLength, assignment.warmStart.crc32C)
        case .checkpoint(let upload): expected = (upload.blob.byteLength, upload.blob.crc32C)
        case .warmStart(let upload): expected = (upload.warmStart.byteLength, upload.warmStart.crc32C)
        default: expected = nil
        }
        guard let expected else {
            guard blobs.isEmpty else {
                throw WireError(.outOfRange, "\(body.kind) carries no raw frames, got \(blobs.count)")
            }
            return
        }
        guard blobs.count == 1 else {
            throw WireError(.outOfRange, "\(body.kind) needs exactly one raw frame, got \(blobs.count)")
        }
        let blob = blobs[0]
        guard UInt64(blob.count) == expected.byteLength else {
            throw WireError(
                .outOfRange, "raw frame has \(blob.count) bytes, its header says \(expected.byteLength)")
        }
        let actual = CRC32C.checksum(blob)
        guard actual == expected.crc32C else {
            throw WireError(
                .checksum, "raw frame CRC-32C \(actual) does not match the header's \(expected.crc32C)")
        }
    }
}
