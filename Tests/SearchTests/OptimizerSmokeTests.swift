import Testing

@testable import Search

@Test func brBranin() throws {
    let optimizer = BayesianOptimizer(space: SyntheticObjective.branin.space, direction: .minimize)
    let trials = try LocalSearch(optimizer: optimizer, seed: 1).run(trials: 25, batch: 1) {
        try SyntheticObjective.branin.evaluate($0)
    } report: {
        print($0.number, $0.configuration, $0.value, $0.source)
    } log: {
        print("diag", $0)
    }
    print(trials.map(\.value).min()!)
}
