import Cluster
import Dispatch
import Foundation

/// Raises a `StopSignal` on SIGINT or SIGTERM (through dispatch sources, so no work happens in a signal handler).
final class SignalStop {
    let signal = StopSignal()
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let stop = self.signal
            source.setEventHandler { stop.stop() }
            source.resume()
            self.sources.append(source)
        }
    }
}
