import ArgumentParser

/// Every benchmark suite; each suite is one subcommand in its own file.
enum BenchSuites {
    static let all: [any ParsableCommand.Type] = [
        TensorBench.self,
        BackboneBench.self,
        RecDataBench.self,
        SearchBench.self,
        DashboardFixtureBench.self,
        ClusterBench.self,
        MixRecStepBench.self,
        TextProbeBench.self,
        ServeBench.self,
        ScoreBlendBench.self,
    ]
}
