import Cluster
import Foundation
import Synchronization
import Tensor

/// Trains like ``FakeRunner`` after taking the run's shared warm start as `MixRecTrialRunner` does: one the
/// assignment carries is used as it is (and recorded); otherwise it is "computed" (`computeSeconds` of sleep,
/// recorded) and handed to the context for upload.
struct WarmStartRunner: TrialRunner {
    /// What the runs of a test did with their warm starts.
    final class Record: Sendable {
        private let state = Mutex<(computed: [String], received: [[UInt8]])>(([], []))
        /// The names computed, in order.
        var computed: [String] { self.state.withLock { $0.computed } }
        /// The files received, in order.
        var received: [[UInt8]] { self.state.withLock { $0.received } }
        func compute(_ name: String) { self.state.withLock { $0.computed.append(name) } }
        func receive(_ file: [UInt8]) { self.state.withLock { $0.received.append(file) } }
    }

    let record: Record
    var computeSeconds = 0.3

    func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        if let shared = job.warmStart {
            if let file = shared.file {
                self.record.receive(file)
            } else {
                Thread.sleep(forTimeInterval: self.computeSeconds)
                if context.isCancelled { return .cancelled }
                self.record.compute(shared.name)
                context.uploadWarmStart(name: shared.name, file: Self.file(of: shared.name))
            }
        }
        return try FakeRunner().run(job, context: context)
    }

    /// The warm-start file of `name`: a parameter file with a key (what the coordinator checks) and one parameter.
    static func file(of name: String) -> [UInt8] {
        let key = name.utf8.map { Float($0) }
        return ParameterFile.encode([
            "key": Tensor(key, shape: [key.count]), "param/embedding": Tensor([0.25, -1.5, 3], shape: [3]),
        ])
    }
}
