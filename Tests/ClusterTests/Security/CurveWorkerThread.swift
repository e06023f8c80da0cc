import Cluster
import Foundation
import ZeroMQ

/// A CURVE worker shell (a real `WorkerService` with a `FakeRunner`) serving on its own thread, for loopback tests.
enum CurveWorkerThread {
    /// Starts worker `id` with `keys`, connecting to `endpoint` whose server key is `serverKey`; the semaphore is
    /// signalled when it exits (after a Shutdown, or once `stop` is raised).
    static func start(
        _ id: String, keys: CurveKeyPair, serverKey: String, context: ZMQContext, endpoint: String, stop: StopSignal,
        runner: FakeRunner = FakeRunner()
    ) -> DispatchSemaphore {
        let exited = DispatchSemaphore(value: 0)
        Thread {
            var settings = WorkerSettings(coordinatorEndpoint: endpoint, workerID: id)
            settings.heartbeatInterval = .milliseconds(50)
            settings.curve = CurveClientSettings(keys: keys, serverPublicKey: serverKey)
            if let worker = try? WorkerService(context: context, settings: settings, runner: runner) {
                try? worker.run(until: stop)
            }
            exited.signal()
        }.start()
        return exited
    }
}
