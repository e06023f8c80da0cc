import Testing

/// A MixRec trial's result does not depend on how many ranks train it (issue #22): `InvarianceTrial` trained by one
/// process and by groups of 2 and 3 ranks over a TCP loopback ring.
@Suite struct WorldSizeInvarianceTests {
    @Test func aTrialOnOneTwoOrThreeRanksReachesTheSameValidationEveryEpoch() throws {
        let single = try InvarianceTrial.single()
        #expect(single.ndcg.count == 3)
        for worldSize in [2, 3] {
            let endpoints = (0..<worldSize).map { _ in "tcp://127.0.0.1:\(MixRecBinary.freePort())" }
            InvarianceTrial.expect(
                try InvarianceTrial.group(endpoints: endpoints), matches: single, "\(worldSize) ranks")
        }
    }
}
