import Dispatch
import Foundation

/// Runs an action on every SIGHUP, through a dispatch source (so nothing runs in a signal handler); the coordinator
/// reloads its CURVE allow-list with it. While one exists SIGHUP no longer ends the process.
final class HangUpSignal {
    private let source: any DispatchSourceSignal

    init(_ action: @escaping @Sendable () -> Void) {
        Foundation.signal(SIGHUP, SIG_IGN)
        self.source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        self.source.setEventHandler(handler: action)
        self.source.resume()
    }

    deinit {
        self.source.cancel()
    }
}
