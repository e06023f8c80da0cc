import Testing

@testable import Tensor

@Suite struct DropoutTests {
    @Test func keepsExpectationAndRoutesGradientThroughSurvivors() {
        var generator = RandomGenerator(seed: 3)
        let input = Tensor(repeating: 2, shape: [4000], requiresGrad: true)
        let output = input.dropout(rate: 0.25, generator: &generator)
        let values = output.scalars
        let dropped = values.filter { $0 == 0 }.count
        #expect(abs(Double(dropped) / 4000 - 0.25) < 0.03)
        #expect(values.allSatisfy { $0 == 0 || abs($0 - 2 / 0.75) < 1e-5 })
        output.sum().backward()
        let gradient = input.grad!.scalars
        for (value, slope) in zip(values, gradient) {
            #expect(slope == (value == 0 ? 0 : 1 / 0.75))
        }
    }

    @Test func zeroRateIsIdentityAndSeedsRepeat() {
        var generator = RandomGenerator(seed: 1)
        let input = Tensor([1, 2, 3], shape: [3])
        #expect(input.dropout(rate: 0, generator: &generator) === input)
        var first = RandomGenerator(seed: 9)
        var second = RandomGenerator(seed: 9)
        let a = Tensor(repeating: 1, shape: [64]).dropout(rate: 0.5, generator: &first).scalars
        let b = Tensor(repeating: 1, shape: [64]).dropout(rate: 0.5, generator: &second).scalars
        #expect(a == b)
    }
}
