import Tensor
import Testing

@testable import Cluster

@Suite("Data-parallel gradients of unused parameters")
struct DataParallelSparseGradientTests {
    /// Rank r's gradient for parameter p, or nil when rank r did not use p in this step (an expert no token was
    /// routed to): parameter 0 is used everywhere, 1 only on rank 0, 2 on no rank; rank 2 saw no examples at all.
    static func gradient(rank: Int, parameter: Int) -> [Float]? {
        guard rank != 2 else { return nil }
        switch parameter {
        case 0: return [Float(rank + 1), -2, 0.5]
        case 1: return rank == 0 ? [4, 8] : nil
        default: return nil
        }
    }

    static let counts = [3, 5, 0]

    @Test("ranks with missing gradients or no examples get the same mean and stay identical replicas")
    func sparseGradients() throws {
        let results = try RingHarness.run(worldSize: 3) { rank, group in
            let parameters = [
                Tensor.zeros([3], requiresGrad: true), .zeros([2], requiresGrad: true), .zeros([4], requiresGrad: true),
            ]
            for (index, parameter) in parameters.enumerated() {
                if let values = Self.gradient(rank: rank, parameter: index) {
                    parameter.backward(gradient: Tensor(values, shape: parameter.shape))
                }
            }
            let averager = DataParallelGradients(group: group, parameters: parameters)
            let total = try averager.averageSummedGradients(localCount: Self.counts[rank])
            let optimizer = AdamW(parameters: parameters)
            optimizer.update()
            try averager.verifyReplicas(step: 1)
            return (total, parameters.map { $0.grad?.scalars ?? [] }, parameters.map(\.scalars))
        }
        let outputs = try results.map { try $0.get() }
        let total = Self.counts.reduce(0, +)
        for parameter in 0..<3 {
            let size = [3, 2, 4][parameter]
            var expected = [Float](repeating: 0, count: size)
            for rank in 0..<3 {
                for (index, value) in (Self.gradient(rank: rank, parameter: parameter) ?? []).enumerated() {
                    expected[index] += value
                }
            }
            expected = expected.map { $0 / Float(total) }
            for output in outputs {
                #expect(output.0 == total)
                #expect(output.1[parameter] == expected, "parameter \(parameter): every rank holds the group mean")
            }
        }
        #expect(outputs.allSatisfy { $0.2 == outputs[0].2 }, "identical parameters after the update")
        #expect(outputs[0].2[1] != [0, 0], "the parameter only rank 0 used still moved on every rank")
    }

    @Test("diverged replicas are caught by the checksum exchange and are not retryable")
    func divergence() throws {
        let results = try RingHarness.run(worldSize: 2) { rank, group in
            let parameter = Tensor([Float(rank), 1], shape: [2], requiresGrad: true)
            try DataParallelGradients(group: group, parameters: [parameter]).verifyReplicas(step: 7)
        }
        for result in results {
            #expect(throws: AllReduceError.self) { try result.get() }
            if case .failure(let error as AllReduceError) = result {
                guard case .replicasDiverged(let step, _) = error else {
                    Issue.record("expected a divergence, got \(error)")
                    continue
                }
                #expect(step == 7 && !error.isRetryable)
            }
        }
    }
}
