import ZeroMQ

/// One rank's end of a ring all-reduce over direct worker↔worker ZeroMQ links.
///
/// Rank `r` binds a PULL socket at `endpoints[r]` (its left neighbour sends there) and connects a PUSH socket to
/// `endpoints[(r+1) mod N]`. A collective is a reduce-scatter followed by an all-gather (`2(N−1)` steps, see
/// `RingSchedule`); each step's segment travels as chunks of at most `settings.chunkBytes` raw little-endian
/// bytes behind a `ChunkHeader`. Chunks are pipelined across steps (a chunk moves on as soon as it has arrived
/// and been added), and all-gather chunks are sent without copying: ZeroMQ reads them from the caller's buffer
/// (or, for Float sums on a `bfloat16` wire, from the group's buffer of encoded values; see `RingChunkCodec`).
/// Every rank of a group must call the same collectives with buffers of the same length, in the same order.
///
/// Not `Sendable`: it owns sockets, so it is created, used and dropped on one thread (the training thread).
public final class AllReduceGroup {
    /// This process's rank, `0..<worldSize`.
    public let rank: Int
    /// Every rank's ring endpoint, by rank.
    public let endpoints: [String]
    public let settings: AllReduceSettings
    private let receiver: ZMQSocket?
    private let sender: ZMQSocket?
    private var sequence: UInt64 = 0
    /// Counts the zero-copy chunk sends ZeroMQ has finished reading.
    private let releases = ZMQSendReleases()
    /// Zero-copy chunk sends so far (over every collective).
    private var sendsIssued = 0
    private var cachedPlan: (count: Int, chunkElements: Int, plan: RingChunkPlan)?
    /// The bfloat16 payloads of Float sums on a `bfloat16` wire (`BFloat16Chunks.staging`), reused.
    private var bfloat16Staging: [UInt16] = []
    /// The header of the chunk being sent, reused (libzmq copies headers).
    private var headerBytes = [UInt8](repeating: 0, count: ChunkHeader.byteCount)
    /// Polled about every `cancellationPoll` while this rank waits for a chunk: once it returns true the collective
    /// gives up with `AllReduceError.cancelled`, so a cancelled run (a pruned trial, say) does not wait out the
    /// peer timeout for a peer that stopped first. Set it to the run's cancellation flag; nil never cancels.
    public var isCancelled: (() -> Bool)?

    /// How often a waiting receive checks `isCancelled`.
    static let cancellationPoll = Duration.milliseconds(100)

    /// The number of ranks.
    public var worldSize: Int { self.endpoints.count }

    /// Messages this rank's ring port received and dropped because they were not this run's chunks: no chunk header
    /// (another frame count, no magic, an unknown encoding) or another run's tag. Without CURVE anything that reaches
    /// the port can send, and a rank of an earlier attempt may still be draining its queue; neither stops the run.
    public private(set) var foreignMessagesDropped = 0

    /// Opens this rank's links. A group of one has no sockets and its collectives return at once.
    /// - Parameters:
    ///   - rank: this process's rank.
    ///   - endpoints: each rank's endpoint (`tcp://10.0.0.2:6100`, `ipc://…`, `inproc://…`), by rank.
    ///   - context: the ZeroMQ context (the same one for `inproc://` groups in one process).
    ///   - bindEndpoint: where to bind instead of `endpoints[rank]` (`tcp://*:6100` behind NAT, say).
    /// - Throws: `AllReduceError.invalidGroup` or `.transport`.
    public init(
        rank: Int, endpoints: [String], context: ZMQContext, settings: AllReduceSettings = AllReduceSettings(),
        bindEndpoint: String? = nil
    ) throws(AllReduceError) {
        guard !endpoints.isEmpty, endpoints.indices.contains(rank) else {
            throw .invalidGroup("rank \(rank) of \(endpoints.count) endpoints")
        }
        guard settings.chunkBytes >= 64 else { throw .invalidGroup("chunk of \(settings.chunkBytes) bytes") }
        guard settings.highWaterMark >= 2 * Int32(Self.sendAhead) else {
            throw .invalidGroup("high-water mark \(settings.highWaterMark) below \(2 * Self.sendAhead)")
        }
        self.rank = rank
        self.endpoints = endpoints
        self.settings = settings
        guard endpoints.count > 1 else {
            (self.receiver, self.sender) = (nil, nil)
            return
        }
        do {
            let receiver = try ZMQSocket(context: context, type: .pull)
            let sender = try ZMQSocket(context: context, type: .push)
            for socket in [receiver, sender] {
                try socket.setReceiveHighWaterMark(settings.highWaterMark)
                try socket.setSendHighWaterMark(settings.highWaterMark)
                try socket.setReceiveTimeout(milliseconds: settings.timeoutMilliseconds)
                try socket.setSendTimeout(milliseconds: settings.timeoutMilliseconds)
                try socket.setMaxMessageSize(bytes: settings.maxMessageBytes)
            }
            // Receives wait in slices, checking for a cancel in between (see `receive`).
            var slice = settings
            slice.timeout = min(settings.timeout, Self.cancellationPoll)
            try receiver.setReceiveTimeout(milliseconds: slice.timeoutMilliseconds)
            // A rank that finishes first must not drop its last queued chunks on close: linger up to the timeout.
            try sender.setLinger(milliseconds: settings.timeoutMilliseconds)
            if let curve = settings.curve {
                try receiver.configureCurveServer(curve.keys)
                try sender.configureCurveClient(curve.keys, serverPublicKey: curve.keys.publicKey)
            }
            try receiver.bind(bindEndpoint ?? endpoints[rank])
            try sender.connect(endpoints[(rank + 1) % endpoints.count])
            (self.receiver, self.sender) = (receiver, sender)
        } catch {
            throw .transport(error)
        }
    }

    // MARK: - Collectives

    /// Replaces `buffer` on every rank by the element-wise sum of all ranks' buffers.
    ///
    /// Float sums are not associative: ranks add the partial sums of a segment in ring order, so the result may
    /// differ from a sequential sum by a few ulps of the running total, but it is bit-identical on every rank
    /// (each segment is summed once, by its owner, and then copied). On a `bfloat16` wire (`settings.wire`) the
    /// partial sums travel rounded to bfloat16 and the result is within about `N · 2⁻⁸ · Σ|xᵢ|` of the exact sum
    /// (`BFloat16Chunks`), still bit-identical on every rank; sum counts as `Int64` to keep them exact.
    /// - Throws: `AllReduceError` (`.peerTimeout` when a neighbour is dead, `.encodingMismatch` when it uses the
    ///   other wire format); the buffer is then partly reduced and the group unusable (its sender is closed): drop
    ///   it.
    public func sum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(AllReduceError) {
        guard self.settings.wire == .bfloat16, self.worldSize > 1 else {
            return try self.ringSum(buffer, NativeChunks())
        }
        if self.bfloat16Staging.count < buffer.count {
            self.bfloat16Staging = [UInt16](repeating: 0, count: buffer.count)
        }
        try self.bfloat16Staging.withUnsafeMutableBufferPointer { (staging) throws(AllReduceError) in
            try self.ringSum(buffer, BFloat16Chunks(staging: staging))
        }
    }

    /// `sum` of Double values (metric totals), whatever `settings.wire` says.
    public func sum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(AllReduceError) {
        try self.ringSum(buffer, NativeChunks())
    }

    /// `sum` of integers (histograms, counts, checksums): exact, whatever `settings.wire` says.
    public func sum(_ buffer: UnsafeMutableBufferPointer<Int64>) throws(AllReduceError) {
        try self.ringSum(buffer, NativeChunks())
    }

    /// `sum` over an array of Float.
    public func sum(_ values: inout [Float]) throws(AllReduceError) {
        try values.withUnsafeMutableBufferPointer { (buffer) throws(AllReduceError) in try self.sum(buffer) }
    }

    /// `sum` over an array of Double.
    public func sum(_ values: inout [Double]) throws(AllReduceError) {
        try values.withUnsafeMutableBufferPointer { (buffer) throws(AllReduceError) in try self.sum(buffer) }
    }

    /// `sum` over an array of Int64.
    public func sum(_ values: inout [Int64]) throws(AllReduceError) {
        try values.withUnsafeMutableBufferPointer { (buffer) throws(AllReduceError) in try self.sum(buffer) }
    }

    // MARK: - Ring

    /// The most chunks a rank sends ahead of what it has received. Ranks cannot all block in a send as long as
    /// this is below what a link queues; ZeroMQ acknowledges reads in batches of half the high-water mark, so a
    /// link may refuse sends well before `2 × highWaterMark` messages are queued (8 ahead with a high-water mark of
    /// 8 did deadlock 5-rank rings of tiny chunks). Two keep the link busy while the previous chunk is added.
    static let sendAhead = 2

    /// The ring: `2(N−1)` steps of sending one segment to the right while receiving one from the left, pipelined
    /// chunk by chunk across steps (see `RingChunkPlan`), at most `sendAhead` chunks ahead.
    ///
    /// Reduce-scatter chunks are copied into ZeroMQ messages (their memory is overwritten later in the all-gather,
    /// possibly before ZeroMQ has written them out); all-gather chunks are sent without copying (nothing writes
    /// to them again), and the collective returns once ZeroMQ has released them all. `codec` makes the payloads
    /// and applies the received ones; chunks hold at most `settings.chunkBytes` of payload whatever its encoding.
    private func ringSum<Codec: RingChunkCodec>(
        _ buffer: UnsafeMutableBufferPointer<Codec.Element>, _ codec: Codec
    ) throws(AllReduceError) {
        guard let sender = self.sender, let receiver = self.receiver else { return }
        self.sequence &+= 1
        let plan = self.plan(count: buffer.count, stride: Codec.wireStride)
        let window = Self.sendAhead
        var (sent, received) = (0, 0)
        do throws(AllReduceError) {
            while received < plan.receives.count || sent < plan.sends.count {
                while sent < plan.sends.count, sent - received < window || received == plan.receives.count,
                    (plan.sends[sent].after ?? -1) < received
                {
                    let chunk = plan.sends[sent]
                    try self.send(
                        codec.payload(of: buffer, chunk.elements), chunk, encoding: Codec.encoding, on: sender)
                    sent += 1
                }
                guard received < plan.receives.count else { continue }
                let chunk = plan.receives[received]
                try self.receive(
                    into: UnsafeMutableBufferPointer(rebasing: buffer[chunk.elements]), chunk, codec: codec,
                    on: receiver)
                received += 1
            }
            // The caller may change the buffer once this returns: ZeroMQ must hold none of it.
            try self.awaitReleases()
        } catch {
            self.abandon(sender)
            throw error
        }
    }

    /// The chunk plan for `count` elements of `stride` bytes (cached: a trainer sums the same size every step).
    private func plan(count: Int, stride: Int) -> RingChunkPlan {
        let chunkElements = max(1, self.settings.chunkBytes / stride)
        if let cached = self.cachedPlan, cached.count == count, cached.chunkElements == chunkElements {
            return cached.plan
        }
        let plan = RingChunkPlan(
            schedule: RingSchedule(rank: self.rank, worldSize: self.worldSize, count: count),
            chunkElements: chunkElements)
        self.cachedPlan = (count, chunkElements, plan)
        return plan
    }

    /// Waits until ZeroMQ has let go of every zero-copy chunk sent so far. This cannot deadlock: a rank waits here
    /// only after it has received everything, and a neighbour that has received everything has read all we sent.
    private func awaitReleases() throws(AllReduceError) {
        guard self.releases.released < self.sendsIssued else { return }
        guard self.releases.wait(untilReleased: self.sendsIssued, timeout: self.settings.timeout) else {
            throw self.timeout(peer: (self.rank + 1) % self.worldSize)
        }
    }

    /// After a failed collective: drops the sender (and whatever it still queues, so that ZeroMQ releases the
    /// caller's memory) and waits for those releases. The group is unusable afterwards.
    private func abandon(_ sender: ZMQSocket) {
        try? sender.setLinger(milliseconds: 0)
        sender.close()
        _ = self.releases.wait(untilReleased: self.sendsIssued, timeout: self.settings.timeout)
    }

    // MARK: - Chunks

    private func send(
        _ payload: UnsafeRawBufferPointer, _ chunk: RingChunkPlan.Chunk, encoding: ChunkEncoding, on socket: ZMQSocket
    ) throws(AllReduceError) {
        let header = ChunkHeader(
            runTag: self.settings.runTag, sequence: self.sequence, ringStep: UInt16(chunk.step), encoding: encoding,
            chunk: UInt32(chunk.index), payloadBytes: UInt32(payload.count),
            checksum: self.settings.verifiesChecksums ? CRC32C.checksum(payload) : 0)
        self.headerBytes.withUnsafeMutableBytes { header.encode(into: $0) }
        let copying = chunk.step < self.worldSize - 1
        let result = self.headerBytes.withUnsafeBytes { bytes in
            Result { () throws(ZMQError) in
                copying
                    ? try socket.send(header: self.headerBytes, payload: payload)
                    : try socket.sendWithoutCopy(header: bytes, payload: payload, releases: self.releases)
            }
        }
        let sent: Bool
        switch result {
        case .success(let value): sent = value
        case .failure(let error): throw .transport(error)
        }
        guard sent else { throw self.timeout(peer: (self.rank + 1) % self.worldSize) }
        if !copying { self.sendsIssued += 1 }
    }

    private func receive<Codec: RingChunkCodec>(
        into target: UnsafeMutableBufferPointer<Codec.Element>, _ chunk: RingChunkPlan.Chunk, codec: Codec,
        on socket: ZMQSocket
    ) throws(AllReduceError) {
        let expected = ChunkHeader(
            runTag: self.settings.runTag, sequence: self.sequence, ringStep: UInt16(chunk.step),
            encoding: Codec.encoding, chunk: UInt32(chunk.index),
            payloadBytes: UInt32(target.count * Codec.wireStride), checksum: 0)
        let role: ChunkRole =
            chunk.step >= self.worldSize - 1 ? .overwrite : chunk.step == self.worldSize - 2 ? .complete : .add
        let deadline = ContinuousClock.now + self.settings.timeout
        while true {
            let applied: Bool?
            do {
                applied = try socket.receiveRaw { (header, payload) throws(AllReduceError) -> Bool in
                    guard try self.validate(header, payload, expected: expected) else { return false }
                    if let source = payload.baseAddress { codec.apply(source, to: target, as: role) }
                    return true
                }
            } catch let error as AllReduceError {
                throw error
            } catch let error as ZMQError where error.isMisshapenMessage {
                applied = false
            } catch let error as ZMQError {
                throw .transport(error)
            } catch {
                throw .unexpectedChunk(rank: self.rank, detail: "\(error)")
            }
            if applied == true { return }
            if applied == false { self.foreignMessagesDropped += 1 }
            if self.isCancelled?() == true { throw .cancelled(rank: self.rank) }
            guard ContinuousClock.now < deadline else {
                throw self.timeout(peer: (self.rank + self.worldSize - 1) % self.worldSize)
            }
        }
    }

    /// Whether `header` and `payload` are the chunk this rank expects next: false for a message that is not this
    /// run's (no chunk header, another run's tag), which the caller drops.
    /// - Throws: ``AllReduceError`` for a chunk of this run that is not the one expected, or is damaged.
    private func validate(
        _ header: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer, expected: ChunkHeader
    ) throws(AllReduceError) -> Bool {
        guard let actual = ChunkHeader(header), actual.runTag == expected.runTag else { return false }
        guard actual.encoding == expected.encoding else {
            throw .encodingMismatch(
                rank: self.rank, peer: (self.rank + self.worldSize - 1) % self.worldSize,
                expected: expected.encoding.description, received: actual.encoding.description)
        }
        var comparable = actual
        comparable.checksum = 0
        guard comparable == expected, payload.count == Int(actual.payloadBytes) else {
            throw .unexpectedChunk(rank: self.rank, detail: "got \(actual), expected \(expected)")
        }
        guard self.settings.verifiesChecksums else { return true }
        let computed = CRC32C.checksum(payload)
        guard computed == actual.checksum else {
            throw .checksumMismatch(
                rank: self.rank, peer: (self.rank + self.worldSize - 1) % self.worldSize, collective: actual.sequence,
                ringStep: Int(actual.ringStep), chunk: actual.chunk, expected: actual.checksum, computed: computed,
                authenticated: self.settings.curve != nil)
        }
        return true
    }

    private func timeout(peer: Int) -> AllReduceError {
        .peerTimeout(
            rank: self.rank, peer: peer, milliseconds: self.settings.timeoutMilliseconds,
            foreignMessages: self.foreignMessagesDropped)
    }
}
