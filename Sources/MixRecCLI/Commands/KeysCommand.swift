import ArgumentParser
import Cluster
import ZeroMQ

/// `mixrec keys generate --out DIR [--name NAME]`: a CURVE key pair for a coordinator, worker or ring.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage ZeroMQ CURVE keys for authenticated, encrypted cluster traffic.",
        subcommands: [Generate.self]
    )

    /// Writes `NAME.public` and `NAME.secret` (Z85, mode 0600) and prints the public key.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a CURVE key pair as DIR/NAME.public and DIR/NAME.secret (Z85 text, mode 0600).")

        @Option(help: "The directory to write the key files to (created if missing).")
        var out: String

        @Option(help: "The file name stem: coordinator, ring, or a worker's name.")
        var name = "mixrec"

        func validate() throws {
            guard ZMQCurve.isAvailable else { throw ValidationError("this libzmq was built without CURVE support") }
        }

        func run() throws {
            let keys = try CurveKeyPair.generate()
            let paths = try CurveKeyFiles.write(keys, directory: self.out, name: self.name)
            print("public key: \(keys.publicKey)")
            print("wrote \(paths.publicPath) and \(paths.secretPath)")
            print("add the public key to the coordinator's allow-list if this is a worker key")
        }
    }
}
