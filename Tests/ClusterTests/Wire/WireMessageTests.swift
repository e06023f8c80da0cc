import Cluster
import ClusterCoreTestKit
import ClusterProto
import Testing

@Suite struct WireMessageTests {
    @Test func everyKindRoundTripsThroughFrames() throws {
        let messages = WireFixtures.everyKind()
        #expect(messages.count == 16)
        for message in messages {
            let frames = try message.frames()
            #expect(frames.count == 1 + message.blobs.count)
            let decoded = try WireMessage.decode(frames: frames)
            #expect(decoded == message, "\(message.envelope.body?.kind ?? "nil")")
        }
    }

    @Test func parameterBytesTravelAsTheirOwnFrameNotInsideTheEnvelope() throws {
        let frames = try WireFixtures.checkpointMessage().frames()
        #expect(frames[1] == WireFixtures.parameters)
        #expect(frames[0].count < 64)
    }

    @Test func emptyAndGarbageFramesAreMalformed() {
        #expect(throws: WireError(.malformed, "empty message: no envelope frame")) {
            try WireMessage.decode(frames: [[UInt8]]())
        }
        let garbage: [[UInt8]] = [[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]]
        let error = #expect(throws: WireError.self) { try WireMessage.decode(frames: garbage) }
        #expect(error?.code == .malformed)
    }

    @Test func aRejectedErrorIsNeverAnsweredOtherRejectedMessagesAre() throws {
        var error = WireMessage(sequence: 3, body: .error(Mixrec_Cluster_V1_Error()))
        error.envelope.protocolVersion = 99
        #expect(!WireMessage.rejectionMayBeAnswered(try error.frames()))
        var ack = WireMessage(sequence: 3, body: .ack(Mixrec_Cluster_V1_Ack()))
        ack.envelope.protocolVersion = 99
        #expect(WireMessage.rejectionMayBeAnswered(try ack.frames()))
        #expect(WireMessage.rejectionMayBeAnswered([[0xFF, 0xFF, 0xFF]]))
        #expect(WireMessage.rejectionMayBeAnswered([[UInt8]]()))
    }

    @Test func everyStrictPrefixOfAnEncodedAssignmentIsRejected() throws {
        let message = WireMessage(sequence: 5, body: .assignment(WireFixtures.assignment()))
        let header = try message.frames()[0]
        // A prefix that stops before the version field decodes as version 0: a version mismatch.
        let accepted: Set<WireErrorCode> = [.versionMismatch, .malformed, .missingField, .outOfRange]
        for length in 0..<header.count {
            let error = #expect(throws: WireError.self) { try WireMessage.decode(frames: [Array(header[..<length])]) }
            #expect(error.map { accepted.contains($0.code) } == true, "prefix of \(length) bytes")
        }
    }

    @Test func oversizedEnvelopesFramesAndFrameCountsAreRejectedBeforeDecoding() throws {
        var limits = WireLimits()
        limits.maxEnvelopeBytes = 16
        let big = try WireMessage(sequence: 1, body: .assignment(WireFixtures.assignment())).frames()
        #expect(throws: WireError(.tooLarge, "envelope of \(big[0].count) bytes exceeds 16")) {
            try WireMessage.decode(frames: big, limits: limits)
        }
        limits = WireLimits()
        limits.maxBlobBytes = 100
        let upload = try WireFixtures.checkpointMessage().frames()
        let error = #expect(throws: WireError.self) { try WireMessage.decode(frames: upload, limits: limits) }
        #expect(error?.code == .tooLarge)
        let tooMany = upload + [[1]]
        #expect(throws: WireError(.tooLarge, "2 raw frames exceed the limit of 1")) {
            try WireMessage.decode(frames: tooMany)
        }
    }

    @Test func wrongVersionIsRejectedWithTheEnvelopeSequence() throws {
        var message = WireMessage(sequence: 77, body: .hello(WireFixtures.hello()))
        message.envelope.protocolVersion = 2
        let error = #expect(throws: WireError.self) { try WireMessage.decode(frames: try message.frames()) }
        #expect(error?.code == .versionMismatch)
        #expect(error?.sequence == 77)
    }

    @Test func rejectionsBecomeValidErrorReplies() throws {
        let rejection = WireError(.checksum, "bad bytes", sequence: 12)
        let reply = rejection.replyEnvelope(sequence: 3)
        let decoded = try WireMessage.decode(frames: try WireMessage(envelope: reply).frames())
        guard case .error(let error) = decoded.envelope.body else {
            Issue.record("not an error reply")
            return
        }
        #expect(error.code == .checksum)
        #expect(error.message == "bad bytes")
        #expect(error.inReplyTo == 12)
        #expect(decoded.envelope.sequence == 3)
    }
}
