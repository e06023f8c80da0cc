import Tensor
import TestKit
import Testing

@testable import MixRec

@Suite struct ExpertMixtureTests {
    let width = 6

    func mixture(_ kinds: [ExpertKind], experts: Int, topK: Int, site: ExpertSite, seed: UInt64 = 5) -> ExpertMixture {
        var generator = RandomGenerator(seed: seed)
        let group = ExpertGroup(name: "g", layers: 0...0, kinds: kinds, experts: experts, rank: 2, topK: topK)
        let mixture = ExpertMixture(
            group: group, site: site, width: self.width, queryWidth: 4, valueWidth: 3, generator: &generator)
        // Move every zero-initialised weight off zero so that all gradients are non-trivial.
        for (index, parameter) in mixture.parameters.tensors.enumerated() {
            parameter.copyValues(from: randomTensor(parameter.shape, seed: 100 + UInt64(index), scale: 0.5))
        }
        return mixture
    }

    @Test func freshExpertsAreTheIdentity() {
        var generator = RandomGenerator(seed: 1)
        let group = ExpertGroup(
            name: "g", layers: 0...0, kinds: [.lora, .bottleneck, .parallel, .scaling, .none], experts: 5, rank: 2,
            topK: 3)
        let mixture = ExpertMixture(
            group: group, site: .mlp, width: self.width, queryWidth: 4, valueWidth: 3, generator: &generator)
        let input = randomTensor([3, self.width], seed: 2)
        let routing = mixture.route(input)
        let delta = mixture.outputDelta(input: input, output: randomTensor([3, self.width], seed: 3), routing: routing)
        #expect(delta!.scalars.allSatisfy { $0 == 0 })
    }

    @Test(arguments: [ExpertSite.attention, .mlp])
    func gradientsMatchFiniteDifferences(site: ExpertSite) {
        let mixture = self.mixture([.lora, .bottleneck, .parallel, .scaling, .none], experts: 5, topK: 3, site: site)
        let input = randomTensor([4, self.width], seed: 11)
        let output = randomTensor([4, self.width], seed: 12)
        checkGradients([input, output] + mixture.parameters.tensors, elements: 24) { tensors in
            let routing = mixture.route(tensors[0])
            var parts = [mixture.outputDelta(input: tensors[0], output: tensors[1], routing: routing)!]
            for projection in [ExpertMixture.Projection.query, .value] {
                parts += mixture.projectionDelta(projection, input: tensors[0], routing: routing).map { [$0] } ?? []
            }
            parts.append(routing.balanceLoss.reshaped([1]))
            return Tensor.concat(parts.map { $0.reshaped([$0.count]) }, axis: 0)
        }
    }

    @Test func onlySelectedExpertsReceiveGradients() {
        let mixture = self.mixture([.bottleneck], experts: 4, topK: 1, site: .mlp)
        let input = randomTensor([1, self.width], seed: 21, requiresGrad: false)
        let routing = mixture.route(input)
        let chosen = routing.gates.experts[0]
        mixture.outputDelta(input: input, output: input, routing: routing)!.sum().backward()
        let up = mixture.parameters.byName["bottleneck.up"]!.grad!.scalars
        // up is [width, experts · rank]: only the chosen expert's two columns may have a gradient.
        for row in 0..<self.width {
            for column in 0..<8 where column / 2 != chosen {
                #expect(up[row * 8 + column] == 0)
            }
        }
        #expect(up.contains { $0 != 0 })
    }

    @Test func balanceLossIsOneWhenPerfectlyBalanced() {
        let logits = Tensor([1, 0, 0, 1], shape: [2, 2])
        let routing = ExpertRouting(logits: logits, gates: Tensor.topKGate(logits, k: 1))
        #expect(abs(routing.balanceLoss.item - 1) < 1e-6)
        let skewed = Tensor([3, 0, 3, 0], shape: [2, 2])
        let unbalanced = ExpertRouting(logits: skewed, gates: Tensor.topKGate(skewed, k: 1))
        #expect(unbalanced.balanceLoss.item > 1.5)
    }
}
