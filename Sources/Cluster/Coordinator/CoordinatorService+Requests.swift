import Foundation
import Logging
import Search

// MARK: - Operator requests from the study inbox

extension CoordinatorService {
    /// Acts on every waiting inbox request, then removes its file; stops at a request whose transition the store
    /// refused (that one is kept with the outage, the later ones wait in the inbox).
    func takeRequests() {
        for (file, request) in self.inbox.pending() where self.outage == nil {
            switch request {
            case .success(.enqueue(let params, let seeds)):
                self.enqueue(params, seeds: seeds ?? 1)
            case .success(.cancel(let trial, let reason)):
                self.perform(self.core.cancel(TrialID(trial), reason: reason, now: self.now()))
            case .success(.stop):
                self.stopRequested = true
                self.markStopped()
            case .failure(let error):
                self.logger.warning("ignored an inbox file", metadata: ["error": "\(error)"])
            }
            self.inbox.remove(file)
        }
    }

    /// Queues a hand-picked configuration that fits the search space, with `seeds` seeds; logs and drops one that
    /// does not fit or asks for a number of seeds outside 1…`TrialSeeding.maxSeeds`.
    private func enqueue(_ params: Configuration, seeds: Int) {
        do {
            guard (1...TrialSeeding.maxSeeds).contains(seeds) else {
                throw EnqueueSeedsError(seeds: seeds)
            }
            self.perform(self.core.enqueue(try self.proposer.validate(params), seeds: seeds))
        } catch {
            self.logger.warning("refused an enqueued configuration", metadata: ["error": "\(error)"])
            var changes = StudyChanges()
            changes.events = [StudyEvent(at: Date(), kind: "enqueue.refused", message: "\(params): \(error)")]
            self.perform([], changes: changes)
        }
    }

    /// Records the stop (the study's state and an event) in one transaction; a finished study stays finished.
    private func markStopped() {
        var changes = StudyChanges()
        if !self.finished { changes.studyState = .stopped }
        changes.events = [StudyEvent(at: Date(), kind: "study.stopped", message: "stop requested")]
        self.perform([], changes: changes)
    }
}

/// An enqueue request asking for a number of seeds outside 1…`TrialSeeding.maxSeeds`.
struct EnqueueSeedsError: Error, CustomStringConvertible {
    var seeds: Int
    var description: String { "seeds \(self.seeds) is not allowed; expected 1 to \(TrialSeeding.maxSeeds)" }
}
