import Foundation

/// Whether OpenBLAS fell back to a kernel far below what this CPU can run, and what to set instead.
///
/// OpenBLAS picks its kernel from the CPU model; a build older than the processor (Debian 12's 0.3.21 on recent
/// Xeons) does not know the model and falls back to `Prescott`, an SSE3 kernel: measured 32 GFLOP/s per thread for
/// a 1024³ `sgemm` on such a machine against 155 with `OPENBLAS_CORETYPE=SkylakeX`. MixRec does not set the variable
/// itself (a wrong kernel can crash or compute wrong results); it says when one is worth setting.
public enum BLASKernelAdvice {
    /// OpenBLAS's x86-64 kernels that use no AVX2.
    static let kernelsWithoutAVX2: Set<String> = [
        "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn", "Dunnington",
        "Nehalem", "Sandybridge", "Opteron", "Barcelona", "Bobcat", "Bulldozer", "Piledriver", "Steamroller",
    ]

    /// A one-line warning when `coreName` uses no AVX2 while `cpuFlags` (`/proc/cpuinfo`'s) offer AVX2 and FMA,
    /// naming the kernel to set (`SkylakeX` with AVX-512, else `Haswell`); nil otherwise.
    public static func advice(coreName: String, cpuFlags: Set<String>) -> String? {
        guard Self.kernelsWithoutAVX2.contains(coreName), cpuFlags.isSuperset(of: ["avx2", "fma"]) else {
            return nil
        }
        let better = cpuFlags.contains("avx512f") ? "SkylakeX" : "Haswell"
        return "OpenBLAS chose its \(coreName) kernel, which uses no AVX2, on a CPU with AVX2 and FMA (this OpenBLAS "
            + "does not know the CPU model): matrix products may run several times slower than they could. "
            + "Setting OPENBLAS_CORETYPE=\(better) in the environment selects a matching kernel."
    }

    /// ``advice(coreName:cpuFlags:)`` for this process's kernel and CPU (the flags of `/proc/cpuinfo`; nil where
    /// that file does not exist).
    public static var current: String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return nil }
        let flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        return Self.advice(coreName: BLASRuntime.coreName, cpuFlags: flags)
    }
}
