/// A degradation the optimizer handled on its own, with the reason: it never crashes, it reports.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// What kind of degradation happened.
    public enum Kind: String, Hashable, Sendable {
        /// Jitter was added to the kernel diagonal because the Cholesky factorisation failed.
        case jitterAdded
        /// All observed values are equal: outputs were centred but not scaled.
        case constantObservations
        /// Failed trials were given the worst observed value.
        case failedTrialsImputed
        /// A hyperparameter start could not be evaluated or every start failed.
        case fitDegraded
        /// The GP could not be used: the proposal is random.
        case randomFallback
        /// The acquisition optimum repeated a known configuration; another candidate was taken.
        case duplicateAvoided
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(self.kind.rawValue): \(self.message)" }
}
