/// How a ring carries the values of a Float sum (`AllReduceSettings.wire`, the study's `study.allreduce.wire`).
///
/// `bfloat16` halves the bytes on the wire: every partial sum travels rounded to bfloat16 while each rank adds in
/// Float32, and the owner of a segment keeps its final sum rounded exactly as it sends it, so replicas stay
/// bit-identical. The result of `N` ranks is within about `N · 2⁻⁸` of the exact sum, relative to `Σ|xᵢ|` (see
/// `BFloat16Chunks`). Integer and Double collectives (counts, metrics, replica checks) always travel exactly.
public enum AllReduceWire: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Float32 as it is: exact transport, ring order rounding only.
    case float32
    /// Float32 rounded to bfloat16 (round to nearest, ties to even) on the wire; Float32 accumulation.
    case bfloat16

    /// Bytes one Float takes on the wire.
    public var bytesPerValue: Int {
        switch self {
        case .float32: 4
        case .bfloat16: 2
        }
    }

    public var description: String { self.rawValue }
}
