@testable import Backbone
@testable import Tensor

/// LoRA on q and v (rank 2) and a bottleneck adapter (rank 3, SiLU) after attention and after the MLP, in every
/// block of the tiny model: the trainable modules MixRec's experts are built from.
final class TestAdapters {
    let loraA: [HookSite: Tensor]
    let loraB: [HookSite: Tensor]
    let down: [HookSite: Tensor]
    let up: [HookSite: Tensor]

    init(configuration c: LlamaConfiguration, seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        func parameter(_ shape: [Int]) -> Tensor {
            Tensor.randomNormal(shape, standardDeviation: 0.3, generator: &generator, requiresGrad: true)
        }
        var (loraA, loraB, down, up) = (
            [HookSite: Tensor](), [HookSite: Tensor](), [HookSite: Tensor](), [HookSite: Tensor]()
        )
        for layer in 0..<c.blockCount {
            for (point, width) in [(HookPoint.queryProjection, c.queryWidth), (.valueProjection, c.keyWidth)] {
                let site = HookSite(layer: layer, point: point)
                loraA[site] = parameter([2, c.width])
                loraB[site] = parameter([width, 2])
            }
            for point in [HookPoint.attentionOutput, .mlpOutput] {
                let site = HookSite(layer: layer, point: point)
                down[site] = parameter([3, c.width])
                up[site] = parameter([c.width, 3])
            }
        }
        (self.loraA, self.loraB, self.down, self.up) = (loraA, loraB, down, up)
    }

    /// Every trainable tensor.
    var parameters: [Tensor] {
        [self.loraA, self.loraB, self.down, self.up].flatMap { $0.values }
    }

    /// The adapters of `site`'s block and point; they act row by row, so a site that sees only some rows
    /// (``HookSite/rows``) gets the same result for them.
    func hook(_ site: HookSite, _ input: Tensor, _ output: Tensor) -> Tensor {
        let site = HookSite(layer: site.layer, point: site.point)
        if let a = self.loraA[site], let b = self.loraB[site] {
            return output + Tensor.linear(Tensor.linear(input, weight: a), weight: b)
        }
        if let down = self.down[site], let up = self.up[site] {
            return output + Tensor.linear(Tensor.linear(output, weight: down).silu(), weight: up)
        }
        return output
    }
}
