import ArgumentParser
import Foundation
import Tensor

/// Options shared by every command that computes: how many BLAS threads to use.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "BLAS threads for this process (default: all cores; data-parallel workers use 1).")
    var threads: Int?

    func validate() throws {
        if let threads = self.threads, threads < 1 {
            throw ValidationError("--threads must be at least 1, got \(threads).")
        }
    }

    /// Applies the thread count to OpenBLAS and logs the kernel OpenBLAS picked (on standard error), with a
    /// warning when that kernel is far below what the CPU can run (``BLASKernelAdvice``).
    func apply() {
        BLASRuntime.setThreads(self.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        var text = "openblas kernel: \(BLASRuntime.coreName), threads: \(BLASRuntime.threads)\n"
        if let advice = BLASKernelAdvice.current { text += "warning: \(advice)\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
