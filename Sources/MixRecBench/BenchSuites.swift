import ArgumentParser

/// Every benchmark suite; each suite is one subcommand in its own file.
enum BenchSuites {
    static let all: [any ParsableCommand.Type] = [
        TensorBench.self,
        RecDataBench.self,
        ClusterBench.self,
    ]
}
