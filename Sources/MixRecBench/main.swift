import ArgumentParser

/// `mixrec-bench`: MixRec's benchmark suites. Each suite measures its baseline in the same run and prints ratios.
struct MixRecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixrec-bench",
        abstract: "MixRec benchmark suites (run them through scripts/bench, which builds in release mode).",
        subcommands: BenchSuites.all
    )
}

MixRecBench.main()
