import COpenBLAS
import Synchronization

/// Process-wide OpenBLAS settings: thread count and the kernel OpenBLAS picked for this CPU.
///
/// OpenBLAS keeps one global thread pool, so these are process-wide by nature. MixRec never sets
/// `OPENBLAS_CORETYPE`; it records the chosen kernel instead so that numbers from different machines compare.
public enum BLASRuntime {
    /// The configured thread count, and how many parallel sections currently run BLAS single-threaded.
    private struct State {
        var threads: Int
        var singleThreadedSections = 0
    }

    private static let state = Mutex(State(threads: Int(openblas_get_num_threads())))

    /// The number of threads OpenBLAS uses for one call (as configured; parallel kernels that split work over
    /// these threads run BLAS single-threaded meanwhile).
    public static var threads: Int {
        Self.state.withLock { $0.threads }
    }

    /// Sets the number of threads OpenBLAS uses for one call (clamped to at least 1).
    public static func setThreads(_ count: Int) {
        Self.state.withLock { state in
            state.threads = max(1, count)
            if state.singleThreadedSections == 0 {
                openblas_set_num_threads(Int32(state.threads))
            }
        }
    }

    /// Runs `body` with OpenBLAS at one thread per call, for kernels that call BLAS from several threads at once;
    /// the configured count returns when the last such section ends.
    static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        Self.state.withLock { state in
            state.singleThreadedSections += 1
            openblas_set_num_threads(1)
        }
        defer {
            Self.state.withLock { state in
                state.singleThreadedSections -= 1
                if state.singleThreadedSections == 0 {
                    openblas_set_num_threads(Int32(state.threads))
                }
            }
        }
        return try body()
    }

    /// The kernel OpenBLAS dispatched to on this CPU, e.g. `Cooperlake` or `Haswell`.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The kernel and thread count, which may change floating-point sums: part of the key of a cached result.
    public static var summary: String {
        "\(Self.coreName), \(Self.threads) threads"
    }

    /// OpenBLAS's build description (version, build options, kernel).
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }
}
