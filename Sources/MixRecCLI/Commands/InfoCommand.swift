import ArgumentParser
import Tensor

/// `mixrec info`: what this build and machine offer (version, BLAS kernel and threads).
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the MixRec version and OpenBLAS build; the kernel and thread count go to standard error."
    )

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        self.runtime.apply()
        print("mixrec \(MixRecVersion.string)")
        print("openblas: \(BLASRuntime.configuration)")
    }
}
