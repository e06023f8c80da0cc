import ArgumentParser
import Cluster

/// `--drop-fraction` and `--drop-seed`, hidden: the test switch that drops a random fraction of this process's
/// outgoing protocol messages (a `MessageDropper` on its send path), for `scripts/chaos`. Off (0) by default; never
/// meant for a real study.
struct ChaosOptions: ParsableArguments {
    @Option(help: .hidden)
    var dropFraction = 0.0

    @Option(help: .hidden)
    var dropSeed: UInt64 = 0

    func validate() throws {
        guard self.dropFraction >= 0 && self.dropFraction <= 1 else {
            throw ValidationError("--drop-fraction must be between 0 and 1, not \(self.dropFraction).")
        }
    }

    /// The dropper these options ask for, nil when nothing is to be dropped.
    func dropper() throws -> MessageDropper? {
        guard self.dropFraction > 0 else { return nil }
        return try MessageDropper(fraction: self.dropFraction, seed: self.dropSeed)
    }
}
