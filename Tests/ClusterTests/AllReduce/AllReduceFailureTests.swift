import Foundation
import Testing

@testable import Cluster

@Suite("Ring all-reduce with a lost peer")
struct AllReduceFailureTests {
    /// Runs a ring of `worldSize` ranks waiting `timeout` for silent peers: every rank takes part in a first sum of
    /// 1000 floats, then runs `then` with its group and values.
    private func afterOneSum<Value: Sendable>(
        worldSize: Int, timeout: Duration,
        then: @escaping @Sendable (Int, AllReduceGroup, inout [Float]) throws -> Value
    ) throws -> [Result<Value, any Error>] {
        var settings = AllReduceSettings()
        settings.timeout = timeout
        return try RingHarness.run(worldSize: worldSize, settings: settings) { rank, group in
            var values = [Float](repeating: Float(rank), count: 1000)
            try group.sum(&values)
            return try then(rank, group, &values)
        }
    }

    @Test("a member that stops mid-training makes the others time out within the limit")
    func memberStops() throws {
        let started = ContinuousClock.now
        let results = try self.afterOneSum(worldSize: 3, timeout: .milliseconds(400)) { rank, group, values in
            guard rank != 2 else { return ContinuousClock.now - started }  // rank 2 dies before step 2
            let before = ContinuousClock.now
            try group.sum(&values)
            return ContinuousClock.now - before
        }
        #expect(try results[2].get() >= .zero)
        for rank in 0..<2 {
            #expect {
                _ = try results[rank].get()
            } throws: { error in
                guard case .peerTimeout(let who, _, let milliseconds, _) = error as? AllReduceError else {
                    return false
                }
                return who == rank && milliseconds == 400 && (error as? AllReduceError)?.isRetryable == true
            }
        }
        // Both survivors gave up after about one timeout (each blocked receive waits at most 400 ms).
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test("a cancelled run stops waiting for a peer that stopped first, long before the peer timeout")
    func cancelledWhileWaiting() throws {
        let started = ContinuousClock.now
        let results = try self.afterOneSum(worldSize: 2, timeout: .seconds(20)) { rank, group, values in
            guard rank == 0 else { return }  // rank 1 saw the cancel first and stopped
            let waiting = ContinuousClock.now
            group.isCancelled = { ContinuousClock.now - waiting > .milliseconds(300) }  // rank 0's cancel arrives
            try group.sum(&values)
        }
        #expect(throws: Never.self) { try results[1].get() }
        #expect(throws: AllReduceError.cancelled(rank: 0)) { try results[0].get() }
        // Gave up about 300 ms (plus one 100 ms poll) into the wait, not after the 20 s timeout.
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("the error becomes a retryable trial failure")
    func trialFailure() {
        let error = AllReduceError.peerTimeout(rank: 0, peer: 1, milliseconds: 100)
        #expect(error.trialRunError.retryable)
        #expect(!AllReduceError.replicasDiverged(step: 3, checksums: [1, 2]).trialRunError.retryable)
        #expect(error.trialRunError.message.contains("peer rank 1"))
    }
}
