/// The chunks one rank sends and receives in one ring all-reduce, in order, with what each must wait for.
///
/// Every segment of `RingSchedule` is cut into chunks of at most `chunkElements`. The ring is pipelined across
/// its steps: the segment a rank sends in step `s+1` is the one it received in step `s`, so chunk `k` of step
/// `s+1` may leave as soon as chunk `k` of step `s` has arrived, without waiting for the rest of step `s`.
struct RingChunkPlan {
    /// One chunk: its ring step, index within the step and element range in the buffer.
    struct Chunk: Equatable {
        var step: Int
        var index: Int
        var elements: Range<Int>
        /// For a send, the receive (index into `receives`) that must have completed first; nil for receives and
        /// for the sends of step 0.
        var after: Int?
    }

    let count: Int
    let sends: [Chunk]
    let receives: [Chunk]

    init(schedule: RingSchedule, chunkElements: Int) {
        precondition(chunkElements > 0, "chunks hold at least one element")
        self.count = schedule.count
        var sends: [Chunk] = []
        var receives: [Chunk] = []
        var receiveStarts: [Int] = []
        for step in 0..<schedule.stepCount {
            for (index, range) in Self.chunks(of: schedule.sendSegment(step), chunkElements).enumerated() {
                sends.append(
                    Chunk(
                        step: step, index: index, elements: range,
                        after: step > 0 ? receiveStarts[step - 1] + index : nil))
            }
            receiveStarts.append(receives.count)
            for (index, range) in Self.chunks(of: schedule.receiveSegment(step), chunkElements).enumerated() {
                receives.append(Chunk(step: step, index: index, elements: range))
            }
        }
        self.sends = sends
        self.receives = receives
    }

    private static func chunks(of segment: Range<Int>, _ size: Int) -> [Range<Int>] {
        stride(from: segment.lowerBound, to: segment.upperBound, by: size).map {
            $0..<min($0 + size, segment.upperBound)
        }
    }
}
