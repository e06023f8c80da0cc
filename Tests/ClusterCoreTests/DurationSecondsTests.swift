import ClusterCore
import Testing

/// `Duration.seconds`, the one conversion the cluster side reports elapsed times with.
struct DurationSecondsTests {
    @Test(arguments: [
        (Duration.milliseconds(1500), 1.5), (.nanoseconds(1), 1e-9), (.seconds(3600), 3600),
        (.seconds(-2) + .milliseconds(250), -1.75), (.zero, 0),
    ])
    func secondsCountWholeAndFractionalParts(duration: Duration, expected: Double) {
        #expect(abs(duration.seconds - expected) <= 1e-12 * max(1, abs(expected)), "\(duration)")
    }
}
