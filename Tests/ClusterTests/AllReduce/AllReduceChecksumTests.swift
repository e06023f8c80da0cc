import Foundation
import Testing
import ZeroMQ

@testable import Cluster

/// Ring links without CURVE check every chunk's CRC32C, whatever `AllReduceSettings.checksums` says.
@Suite("Ring chunk checksums")
struct AllReduceChecksumTests {
    @Test("without CURVE a corrupted chunk from the left neighbour fails the sum with an error saying so")
    func corruptedChunkFromUnauthenticatedPeer() throws {
        let context = try ZMQContext()
        let endpoints = ["inproc://checksum-rank-0", "inproc://checksum-rank-1"]
        // Rank 0 is played by hand: a PULL where rank 1 sends, a PUSH to rank 1's endpoint.
        let fromRankOne = try ZMQSocket(context: context, type: .pull)
        try fromRankOne.setReceiveTimeout(milliseconds: 5000)
        try fromRankOne.bind(endpoints[0])
        let toRankOne = try ZMQSocket(context: context, type: .push)
        try toRankOne.connect(endpoints[1])
        var settings = AllReduceSettings()
        settings.timeout = .seconds(5)
        #expect(!settings.checksums && settings.verifiesChecksums, "off in the settings, on for a plain link")
        let group = try AllReduceGroup(rank: 1, endpoints: endpoints, context: context, settings: settings)

        // The chunk rank 1 waits for first, with the right header and checksum, then one payload bit flipped.
        let count = 8
        let plan = RingChunkPlan(
            schedule: RingSchedule(rank: 1, worldSize: 2, count: count), chunkElements: settings.chunkBytes / 4)
        let first = plan.receives[0]
        var payload = (0..<first.elements.count).map(Float.init).withUnsafeBytes { Array($0) }
        let header = ChunkHeader(
            runTag: settings.runTag, sequence: 1, ringStep: UInt16(first.step), chunk: UInt32(first.index),
            payloadBytes: UInt32(payload.count), checksum: CRC32C.checksum(payload))
        payload[1] ^= 0x40
        try toRankOne.send([header.encoded, payload])

        var values = [Float](repeating: 1, count: count)
        let error = try #require(throws: AllReduceError.self) { try group.sum(&values) }
        guard case .checksumMismatch(1, 0, 1, _, UInt32(first.index), header.checksum, let computed, false) = error
        else {
            Issue.record("expected a checksum mismatch from peer rank 0, got \(error)")
            return
        }
        #expect(computed == CRC32C.checksum(payload))
        #expect(error.description.contains("from peer rank 0 fails its CRC32C"))
        #expect(error.description.contains("the link has no CURVE"))
        #expect(error.isRetryable)

        // Rank 1's own first chunk carried its CRC32C too.
        let sent = try #require(try fromRankOne.receive(maxFrames: 2))
        let sentHeader = try #require(sent[0].withUnsafeBytes { ChunkHeader($0) })
        #expect(sentHeader.checksum != 0 && sentHeader.checksum == CRC32C.checksum(sent[1]))
    }

    @Test("CURVE links leave checksums to the settings", .enabled(if: ZMQCurve.isAvailable, "no CURVE"))
    func curveLinksFollowTheSettings() throws {
        var settings = AllReduceSettings()
        settings.curve = RingCurveSettings(keys: try CurveKeyPair.generate())
        #expect(!settings.verifiesChecksums)
        settings.checksums = true
        #expect(settings.verifiesChecksums)
    }
}
