import ClusterProto
import Foundation
import Logging
import Search

// MARK: - Carrying out state transitions: one store transaction, then the messages

/// One state transition of the coordinator: the directives one inbound message, timer tick or operator request
/// produced, the checkpoint bytes that came with the message, and writes of the shell's own (a stop, a refusal).
struct Transition {
    var directives: [CoordinatorDirective]
    /// The uploaded parameters a `.storeCheckpoint` directive stores.
    var blob: [UInt8]?
    /// Writes besides the directives'.
    var changes = StudyChanges()
    /// The worker's message this transition records, acknowledged once it is committed (see
    /// `CoordinatorService+Acks.swift`).
    var acknowledges: InboundReceipt?
}

/// Where an acknowledged message came from: the sender's routing identity and the envelope's sequence number.
struct InboundReceipt {
    var identity: [UInt8]
    var sequence: UInt64
}

/// A message a transition sends once committed.
enum Outbound {
    case message(WireBody, blobs: [[UInt8]], to: WorkerID)
    case error(WireError, to: WorkerID)
    /// An assignment or cancel of `run`, re-sent until the worker acknowledges it.
    case order(WireBody, blobs: [[UInt8]], to: WorkerID, run: RunID)
    /// The `Ack` of a worker's message, sent after the commit that made what it reported durable.
    case ack(InboundReceipt)
}

/// A transition made ready to commit: its store writes, then what to do once they are durable.
struct PreparedTransition {
    var changes = StudyChanges()
    /// Messages to send after the commit, in order.
    var messages: [Outbound] = []
    /// Workers whose rows the commit writes, with the last-heard time and busy flag the rows hold.
    var workerRows: [(WorkerID, heard: ClusterTime, busy: Bool)] = []
    /// Workers whose throughput is forgotten (lost).
    var forgotten: [WorkerID] = []
    var finishesStudy = false
}

extension CoordinatorService {
    /// Carries out a state transition: its writes in one store transaction, then the messages that depend on them.
    /// If the store refuses it, nothing is sent, scheduling stops and the transition is retried with back-off (see
    /// `CoordinatorService+Outage.swift`); while an outage lasts, new transitions queue behind the refused one.
    /// - Parameter acknowledges: the worker's message to acknowledge once the transition is committed (sent even if
    ///   the transition changes nothing: a repeat of a report already recorded).
    func perform(
        _ directives: [CoordinatorDirective], blob: [UInt8]? = nil, changes: StudyChanges = StudyChanges(),
        acknowledges: InboundReceipt? = nil
    ) {
        let transition = Transition(directives: directives, blob: blob, changes: changes, acknowledges: acknowledges)
        guard !directives.isEmpty || !changes.isEmpty || acknowledges != nil else { return }
        guard self.outage == nil else {
            self.unwritten.append(transition)
            return
        }
        do {
            try self.carryOut(transition)
        } catch {
            self.beginOutage(keeping: transition, error: error)
        }
    }

    /// Prepares, commits and delivers one transition.
    /// - Throws: the store's error if a checkpoint could not be written or read, or the commit failed; nothing was
    ///   sent and nothing of the transition is in the database then.
    func carryOut(_ transition: Transition) throws(StudyStoreError) {
        let prepared = try self.prepare(transition)
        let events = try self.store.commit(prepared.changes)
        self.deliver(prepared, events: events)
    }

    private func prepare(_ transition: Transition) throws(StudyStoreError) -> PreparedTransition {
        var prepared = PreparedTransition(changes: transition.changes)
        if let receipt = transition.acknowledges { prepared.messages.append(.ack(receipt)) }
        for directive in transition.directives {
            switch directive {
            case .membership(let membership): self.prepare(membership, into: &prepared)
            case .scheduler(let scheduler): try self.prepare(scheduler, blob: transition.blob, into: &prepared)
            }
        }
        self.recordBusyChanges(into: &prepared)
        return prepared
    }

    /// Adds the rows of workers whose busy flag this transition changed (a trial assigned, finished, failed or
    /// re-queued), so the stored rows that `mixrec status` and the dashboard show change with it.
    private func recordBusyChanges(into prepared: inout PreparedTransition) {
        let members = self.core.membership.members
        let written = Set(prepared.workerRows.map(\.0))
        for worker in self.workerRows.busyChanged(members) where !written.contains(worker) {
            guard let record = members[worker] else { continue }
            prepared.changes.workers.append(self.row(of: record))
            prepared.workerRows.append((worker, record.lastHeard, record.isBusy))
        }
    }

    private func prepare(_ directive: MembershipDirective, into prepared: inout PreparedTransition) {
        switch directive {
        case .welcome(let info):
            var welcome = Mixrec_Cluster_V1_Welcome()
            welcome.workerID = info.id.rawValue
            welcome.incarnation = info.incarnation
            welcome.heartbeatIntervalMs = UInt32(clamping: self.settings.membership.heartbeatInterval.wholeMilliseconds)
            welcome.studyID = self.settings.studyName
            welcome.busyDeadMs = UInt32(clamping: self.settings.membership.busyDeadAfter.wholeMilliseconds)
            prepared.messages.append(.message(.welcome(welcome), blobs: [], to: info.id))
        case .joined(let worker):
            let groupSize = self.core.scheduler.settings.groupSize
            self.recordWorker(
                worker, event: "worker.joined",
                message: self.core.canJoinGroups(worker)
                    ? "registered" : "registered without --peer-endpoint: it cannot join groups of \(groupSize)",
                into: &prepared)
        case .suspected(let worker):
            self.recordWorker(worker, event: "worker.suspected", message: "overdue heartbeat", into: &prepared)
        case .recovered(let worker):
            self.recordWorker(worker, event: "worker.recovered", message: "heard again", into: &prepared)
        case .lost(let worker, let incarnation, let reason):
            prepared.forgotten.append(worker)
            self.recordWorker(
                worker, event: "worker.lost", message: "incarnation \(incarnation): \(reason)", into: &prepared)
        case .reject(let worker, let error):
            prepared.messages.append(.error(error, to: worker))
        }
    }

    private func prepare(
        _ directive: SchedulerDirective, blob: [UInt8]?, into prepared: inout PreparedTransition
    ) throws(StudyStoreError) {
        switch directive {
        case .assign(let plan):
            try self.prepareAssignment(plan, into: &prepared)
        case .cancel(let workers, let trial, let attempt, let reason):
            var cancel = Mixrec_Cluster_V1_CancelTrial()
            cancel.trialID = trial.rawValue
            cancel.attempt = UInt32(attempt)
            cancel.reason = reason.wire
            let run = RunID(trial: trial, attempt: attempt)
            for worker in workers { prepared.messages.append(.order(.cancel(cancel), blobs: [], to: worker, run: run)) }
            prepared.event("trial.cancelled", trial: trial, "attempt \(attempt) on \(workers): \(reason)")
        case .trialPruned(let trial, let epoch, let reason):
            prepared.event("trial.pruned", trial: trial, "after epoch \(epoch): \(reason)")
        case .storeCheckpoint(let trial, let attempt, let epoch):
            guard let blob else { return }
            prepared.changes.checkpoints.append(
                try self.store.writeCheckpointFile(trial: trial, attempt: attempt, epoch: epoch, parameters: blob))
        case .trialChanged(let trial):
            prepared.changes.trials.append(trial)
        case .groupFormed(let group):
            prepared.event("group.formed", trial: nil, "\(group.id): \(group.members)")
        case .groupDissolved(let group, let reason):
            prepared.event("group.dissolved", trial: nil, "\(group): \(reason)")
        case .reject(let worker, let error):
            prepared.messages.append(.error(error, to: worker))
        case .proposerFailed(let reason):
            prepared.event("optimizer.failed", trial: nil, reason)
        case .studyFinished:
            prepared.finishesStudy = true
            prepared.changes.studyState = .finished
            prepared.event("study.finished", trial: nil, "budget of \(self.settings.scheduler.budget) trials used")
            var shutdown = Mixrec_Cluster_V1_Shutdown()
            shutdown.reason = "study finished"
            for worker in self.core.membership.liveWorkers {
                prepared.messages.append(.message(.shutdown(shutdown), blobs: [], to: worker))
            }
        }
    }

    /// One `TrialAssignment` per member (its rank), each followed by the resume parameters if there are any.
    private func prepareAssignment(_ plan: AssignmentPlan, into prepared: inout PreparedTransition)
        throws(StudyStoreError)
    {
        var assignment = Mixrec_Cluster_V1_TrialAssignment()
        assignment.trialID = plan.trial.rawValue
        assignment.attempt = UInt32(plan.attempt)
        assignment.groupID = plan.group.rawValue
        assignment.worldSize = UInt32(plan.members.count)
        assignment.peers = plan.members.enumerated().map { rank, worker in
            var peer = Mixrec_Cluster_V1_GroupPeer()
            peer.rank = UInt32(rank)
            peer.workerID = worker.rawValue
            peer.endpoint = self.core.membership.members[worker]?.info.peerEndpoint ?? ""
            return peer
        }
        assignment.configJson = plan.params.canonicalJSON
        assignment.task = self.settings.task.wire
        assignment.allreduceWire = self.settings.allReduceWire.wire
        assignment.maxEpochs = UInt32(self.settings.maxEpochs)
        assignment.seed = plan.seed
        var blobs: [[UInt8]] = []
        if let epoch = plan.resumeEpoch,
            let checkpoint = try self.store.loadCheckpoint(trial: plan.trial, atOrBefore: epoch)
        {
            assignment.resume = .describing(checkpoint.parameters, epoch: UInt32(checkpoint.record.epoch))
            blobs = [checkpoint.parameters]
        } else if let warmStart = plan.warmStart {
            // A run that resumes skips the warm start; a fresh one ships or computes it.
            let (reference, file) = self.warmStart(warmStart, for: RunID(trial: plan.trial, attempt: plan.attempt))
            assignment.warmStart = reference
            blobs = file.map { [$0] } ?? []
        }
        for (rank, worker) in plan.members.enumerated() {
            assignment.rank = UInt32(rank)
            prepared.messages.append(
                .order(
                    .assignment(assignment), blobs: blobs, to: worker,
                    run: RunID(trial: plan.trial, attempt: plan.attempt)))
        }
        var from = assignment.hasResume ? "epoch \(assignment.resume.epoch)" : "scratch"
        if assignment.hasWarmStart {
            from += assignment.warmStart.byteLength > 0 ? " with" : " computing"
            from += " warm start \(assignment.warmStart.name)"
        }
        prepared.event("trial.assigned", trial: plan.trial, "attempt \(plan.attempt) on \(plan.members) from \(from)")
    }

    /// Adds the worker's row (as the membership has it now) and the event to the transition.
    private func recordWorker(
        _ worker: WorkerID, event: String, message: String, into prepared: inout PreparedTransition
    ) {
        if let record = self.core.membership.members[worker] {
            prepared.changes.workers.append(self.row(of: record))
            prepared.workerRows.append((worker, record.lastHeard, record.isBusy))
        }
        prepared.changes.events.append(
            StudyEvent(at: Date(), kind: event, workerID: worker.rawValue, message: message))
    }

    /// The stored row of a member, its last-seen time converted from the state machines' clock.
    func row(of record: MemberRecord) -> StoredWorker {
        let silence = Double((self.now() - record.lastHeard).wholeMilliseconds) / 1000
        return StoredWorker(
            id: record.info.id.rawValue, incarnation: Int64(bitPattern: record.info.incarnation),
            host: record.info.host, cores: record.info.cores, status: record.status, busy: record.isBusy,
            lastSeen: Date(timeIntervalSinceNow: -max(0, silence)))
    }

    /// After the commit: the messages, the log lines, and the shell's own bookkeeping.
    private func deliver(_ prepared: PreparedTransition, events: [StudyEvent]) {
        let now = self.now()
        for (worker, heard, busy) in prepared.workerRows {
            self.workerRows.recordWritten(worker, heard: heard, busy: busy, at: now)
        }
        for worker in prepared.forgotten {
            self.throughput.forget(worker)
            self.forgetOrders(to: worker)
        }
        for event in events {
            var metadata: Logger.Metadata = ["detail": "\(event.message)"]
            if let worker = event.workerID { metadata["worker"] = "\(worker)" }
            if event.kind == "optimizer.failed" {
                self.logger.error("the optimizer failed", metadata: metadata)
            } else {
                self.logger.info("\(event.kind)", metadata: metadata)
            }
        }
        for outbound in prepared.messages {
            switch outbound {
            case .message(let body, let blobs, let worker): self.send(body, blobs: blobs, to: worker)
            case .order(let body, let blobs, let worker, let run):
                self.sendOrder(body, blobs: blobs, to: worker, run: run)
            case .error(let error, let worker): self.sendError(error, to: worker)
            case .ack(let receipt): self.acknowledge(receipt)
            }
        }
        if prepared.finishesStudy { self.finished = true }
    }
}

extension PreparedTransition {
    /// Appends an event to the transition's writes.
    mutating func event(_ kind: String, trial: TrialID?, _ message: String) {
        self.changes.events.append(
            StudyEvent(at: Date(), kind: kind, trialID: trial.map { Int64($0.rawValue) }, message: message))
    }
}
