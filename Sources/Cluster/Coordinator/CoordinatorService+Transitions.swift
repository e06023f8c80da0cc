import ClusterProto
import Foundation
import Logging
import Search

// MARK: - Carrying out the state machine's directives

extension CoordinatorService {
    func perform(_ directives: [CoordinatorDirective]) {
        for directive in directives {
            do {
                switch directive {
                case .membership(let membership): try self.perform(membership)
                case .scheduler(let scheduler): try self.perform(scheduler)
                }
            } catch {
                // The store failed; the state machine already moved on. Keep serving and say so loudly.
                self.logger.error("could not record a change", metadata: ["error": "\(error)"])
            }
        }
    }

    private func perform(_ directive: MembershipDirective) throws(StudyStoreError) {
        switch directive {
        case .welcome(let info):
            var welcome = Mixrec_Cluster_V1_Welcome()
            welcome.workerID = info.id.rawValue
            welcome.incarnation = info.incarnation
            welcome.heartbeatIntervalMs = UInt32(clamping: self.settings.membership.heartbeatInterval.wholeMilliseconds)
            welcome.studyID = self.settings.studyName
            welcome.busyDeadMs = UInt32(clamping: self.settings.membership.busyDeadAfter.wholeMilliseconds)
            self.send(.welcome(welcome), to: info.id)
        case .joined(let worker):
            let groupSize = self.core.scheduler.settings.groupSize
            try self.recordWorker(
                worker, event: "worker.joined",
                message: self.core.canJoinGroups(worker)
                    ? "registered" : "registered without --peer-endpoint: it cannot join groups of \(groupSize)")
        case .suspected(let worker):
            try self.recordWorker(worker, event: "worker.suspected", message: "overdue heartbeat")
        case .recovered(let worker):
            try self.recordWorker(worker, event: "worker.recovered", message: "heard again")
        case .lost(let worker, let incarnation, let reason):
            self.throughput.forget(worker)
            try self.recordWorker(worker, event: "worker.lost", message: "incarnation \(incarnation): \(reason)")
        case .reject(let worker, let error):
            self.sendError(error, to: worker)
        }
    }

    private func perform(_ directive: SchedulerDirective) throws(StudyStoreError) {
        switch directive {
        case .assign(let plan):
            try self.sendAssignment(plan)
        case .cancel(let workers, let trial, let attempt, let reason):
            var cancel = Mixrec_Cluster_V1_CancelTrial()
            cancel.trialID = trial.rawValue
            cancel.attempt = UInt32(attempt)
            cancel.reason = reason.wire
            for worker in workers { self.send(.cancel(cancel), to: worker) }
            try self.log("trial.cancelled", trial: trial, "attempt \(attempt) on \(workers): \(reason)")
        case .trialPruned(let trial, let epoch, let reason):
            try self.log("trial.pruned", trial: trial, "after epoch \(epoch): \(reason)")
        case .storeCheckpoint(let trial, let attempt, let epoch):
            guard let bytes = self.currentBlob else { return }
            try self.store.storeCheckpoint(trial: trial, attempt: attempt, epoch: epoch, parameters: bytes)
        case .trialChanged(let trial):
            try self.store.save([trial])
        case .groupFormed(let group):
            try self.log("group.formed", trial: nil, "\(group.id): \(group.members)")
        case .groupDissolved(let group, let reason):
            try self.log("group.dissolved", trial: nil, "\(group): \(reason)")
        case .reject(let worker, let error):
            self.sendError(error, to: worker)
        case .proposerFailed(let reason):
            self.logger.error("the optimizer failed", metadata: ["error": "\(reason)"])
            try self.log("optimizer.failed", trial: nil, reason)
        case .studyFinished:
            try self.finishStudy()
        }
    }

    /// One `TrialAssignment` per member (its rank), each followed by the resume parameters if there are any.
    private func sendAssignment(_ plan: AssignmentPlan) throws(StudyStoreError) {
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
        }
        for (rank, worker) in plan.members.enumerated() {
            assignment.rank = UInt32(rank)
            self.send(.assignment(assignment), blobs: blobs, to: worker)
        }
        let from = assignment.hasResume ? "epoch \(assignment.resume.epoch)" : "scratch"
        try self.log("trial.assigned", trial: plan.trial, "attempt \(plan.attempt) on \(plan.members) from \(from)")
    }

    private func finishStudy() throws(StudyStoreError) {
        self.finished = true
        if var study = try self.store.study() {
            study.state = .finished
            try self.store.saveStudy(study)
        }
        try self.log("study.finished", trial: nil, "budget of \(self.settings.scheduler.budget) trials used")
        var shutdown = Mixrec_Cluster_V1_Shutdown()
        shutdown.reason = "study finished"
        for worker in self.core.membership.liveWorkers { self.send(.shutdown(shutdown), to: worker) }
    }

    private func recordWorker(_ worker: WorkerID, event: String, message: String) throws(StudyStoreError) {
        if let record = self.core.membership.members[worker] {
            try self.store.save(
                StoredWorker(
                    id: worker.rawValue, incarnation: Int64(bitPattern: record.info.incarnation),
                    host: record.info.host, cores: record.info.cores, status: record.status, busy: record.isBusy,
                    lastSeen: Date()))
        }
        self.logger.info("\(event)", metadata: ["worker": "\(worker)", "detail": "\(message)"])
        try self.store.log(StudyEvent(at: Date(), kind: event, workerID: worker.rawValue, message: message))
    }

    private func log(_ kind: String, trial: TrialID?, _ message: String) throws(StudyStoreError) {
        self.logger.info("\(kind)", metadata: ["detail": "\(message)"])
        try self.store.log(
            StudyEvent(at: Date(), kind: kind, trialID: trial.map { Int64($0.rawValue) }, message: message))
    }
}
