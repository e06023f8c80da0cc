import Cluster
import Foundation
import ZeroMQ

/// Starts a worker shell (50 ms heartbeats) on its own thread for loopback tests; `configure` may change its
/// settings further (a send filter, re-send timing).
/// - Returns: a semaphore signalled when the worker has exited.
func startWorkerThread(
    _ id: String, context: ZMQContext, endpoint: String, stop: StopSignal, runner: some TrialRunner = FakeRunner(),
    configure: @escaping @Sendable (inout WorkerSettings) -> Void = { _ in }
) -> DispatchSemaphore {
    let exited = DispatchSemaphore(value: 0)
    Thread {
        var settings = WorkerSettings(coordinatorEndpoint: endpoint, workerID: id)
        settings.heartbeatInterval = .milliseconds(50)
        configure(&settings)
        if let worker = try? WorkerService(context: context, settings: settings, runner: runner) {
            try? worker.run(until: stop)
        }
        exited.signal()
    }.start()
    return exited
}
