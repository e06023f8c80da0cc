/// How far a run has trained, as its heartbeats say: completed epochs, then optimizer steps within the next one.
public struct TrainingPosition: Hashable, Comparable, Sendable {
    public var epoch: Int
    public var step: Int

    public init(epoch: Int, step: Int) {
        self.epoch = epoch
        self.step = step
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.epoch, lhs.step) < (rhs.epoch, rhs.step) }
}

/// The trial deadline's clocks: when rank 0 of each running trial last made progress.
///
/// A run's clock starts when the watch first sees it (at the first tick or heartbeat after its assignment) and
/// starts again whenever rank 0's heartbeats show a later position than before, or rank 0 reports progress or a
/// checkpoint. Pure: time comes in as arguments.
struct ProgressWatch: Sendable {
    /// How long a run may go without progress; nil: the watch keeps no clocks.
    let deadline: Duration?
    private var clocks: [TrialID: Clock] = [:]

    private struct Clock: Sendable {
        var attempt: Int
        /// The latest position rank 0's heartbeats showed (nil before its first heartbeat).
        var position: TrainingPosition?
        var since: ClusterTime
    }

    init(deadline: Duration?) { self.deadline = deadline }

    /// Rank 0 of `trial`'s run `attempt` heartbeats at `position`, or (nil) reported progress or a checkpoint.
    mutating func observe(_ trial: TrialID, attempt: Int, at position: TrainingPosition?, now: ClusterTime) {
        guard self.deadline != nil else { return }
        guard var clock = self.clocks[trial], clock.attempt == attempt else {
            self.clocks[trial] = Clock(attempt: attempt, position: position, since: now)
            return
        }
        let progressed: Bool
        if let position {
            // The first heartbeat only says where the run starts (a resumed run starts past epoch 0).
            progressed = clock.position.map { position > $0 } ?? false
            clock.position = max(clock.position ?? position, position)
        } else {
            progressed = true
        }
        if progressed { clock.since = now }
        self.clocks[trial] = clock
    }

    /// The trials among `running` (their current attempts) whose rank 0 made no progress for longer than the
    /// deadline, in id order; starts the clocks of runs not seen before and drops those of runs that ended.
    mutating func overdue(_ running: [TrialID: Int], now: ClusterTime) -> [TrialID] {
        guard let deadline = self.deadline else { return [] }
        self.clocks = self.clocks.filter { running[$0.key] == $0.value.attempt }
        for (trial, attempt) in running where self.clocks[trial] == nil {
            self.clocks[trial] = Clock(attempt: attempt, since: now)
        }
        return self.clocks.filter { now - $0.value.since > deadline }.keys.sorted()
    }
}
