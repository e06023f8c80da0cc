import COpenBLAS

/// Process-wide OpenBLAS settings: thread count and the kernel OpenBLAS picked for this CPU.
///
/// OpenBLAS keeps one global thread pool, so these are process-wide by nature. MixRec never sets
/// `OPENBLAS_CORETYPE`; it records the chosen kernel instead so that numbers from different machines compare.
public enum BLASRuntime {
    /// The number of threads OpenBLAS uses for one call.
    public static var threads: Int {
        Int(openblas_get_num_threads())
    }

    /// Sets the number of threads OpenBLAS uses for one call (clamped to at least 1).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The kernel OpenBLAS dispatched to on this CPU, e.g. `Cooperlake` or `Haswell`.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's build description (version, build options, kernel).
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }
}
