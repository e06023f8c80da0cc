import Foundation
import MixRec
import Tensor
import Testing

@testable import Cluster

@Suite("Data-parallel training with bfloat16 on the wire")
struct DataParallelBFloat16Tests {
    /// Rank 0's validation metrics and parameters after training on a 2-rank ring with `wire`, checking that both
    /// ranks hold the same bits.
    private func train(_ trainer: DataParallelTrainer, wire: AllReduceWire) throws -> (
        ndcg: Double, loss: Double, parameters: [String: [Float]]
    ) {
        var settings = AllReduceSettings()
        settings.wire = wire
        let results = try RingHarness.run(worldSize: 2, settings: settings) { _, group in
            let model = try trainer.trainedModel(group: group)
            let parameters = Dictionary(
                uniqueKeysWithValues: model.parameters.entries.map { ($0.name, $0.tensor.scalars) })
            let validation = trainer.validation(model)
            return (ndcg: validation.ndcg, loss: validation.loss, parameters: parameters)
        }
        let replicas = try results.map { try $0.get() }
        #expect(replicas[0].parameters == replicas[1].parameters, "\(wire): replicas are bit-identical")
        return replicas[0]
    }

    @Test("2 workers reach float32's validation loss within 0.001 nats and NDCG@10 within 0.02")
    func qualityMatchesFloat32() throws {
        let trainer = DataParallelTrainer()
        let float32 = try self.train(trainer, wire: .float32)
        let bfloat16 = try self.train(trainer, wire: .bfloat16)
        var generator = RandomGenerator(seed: 7)
        let untrained = trainer.validation(trainer.makeModel(generator: &generator))
        print(
            "validation loss / NDCG@10: untrained \(untrained.loss) / \(untrained.ndcg), float32 \(float32.loss) / "
                + "\(float32.ndcg), bfloat16 \(bfloat16.loss) / \(bfloat16.ndcg)")
        // bfloat16 did change the gradients (the runs differ) but only by rounding, so training ends close.
        #expect(float32.parameters != bfloat16.parameters)
        let tolerance = 0.001
        #expect(abs(bfloat16.loss - float32.loss) <= tolerance)
        #expect(abs(bfloat16.ndcg - float32.ndcg) <= 0.02)
        // Training moved the loss more than ten times the tolerance, so the comparison means something.
        #expect(untrained.loss - float32.loss > 10 * tolerance)
    }
}
