import Foundation
import Logging
import Search

// MARK: - Operator requests from the study inbox

extension CoordinatorService {
    /// Acts on every waiting inbox request, then removes its file.
    func takeRequests() {
        for (file, request) in self.inbox.pending() {
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
            do {
                try self.store.log(
                    StudyEvent(at: Date(), kind: "enqueue.refused", message: "\(params): \(error)"))
            } catch {
                self.logger.error("could not record the refusal", metadata: ["error": "\(error)"])
            }
        }
    }

    private func markStopped() {
        do {
            if var study = try self.store.study(), study.state == .running {
                study.state = .stopped
                try self.store.saveStudy(study)
            }
            try self.store.log(StudyEvent(at: Date(), kind: "study.stopped", message: "stop requested"))
        } catch {
            self.logger.error("could not record the stop", metadata: ["error": "\(error)"])
        }
    }
}

/// An enqueue request asking for a number of seeds outside 1…`TrialSeeding.maxSeeds`.
struct EnqueueSeedsError: Error, CustomStringConvertible {
    var seeds: Int
    var description: String { "seeds \(self.seeds) is not allowed; expected 1 to \(TrialSeeding.maxSeeds)" }
}
