// swift-tools-version:6.2
import PackageDescription

/// Release builds of the numeric targets drop bounds checks; their kernels are tested in debug builds,
/// where the checks stay on.
let numericSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "MixRec",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mixrec", targets: ["MixRecCLI"]),
        .executable(name: "mixrec-bench", targets: ["MixRecBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),

        // MARK: - Libraries (each depends only on those above it)
        .target(name: "ConfigKit", dependencies: [.product(name: "Yams", package: "Yams")]),
        /// The seeded generator behind every random stream (SplitMix64).
        .target(name: "Randomness"),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "Randomness"], swiftSettings: numericSettings),
        .target(name: "Backbone", dependencies: ["Tensor"], swiftSettings: numericSettings),
        /// Test support shared by the test targets: gradient checks, the shared-data locator, scratch folders.
        .target(name: "TestKit", dependencies: ["Tensor"]),
        .target(name: "RecData", dependencies: ["Randomness"]),
        .target(
            name: "Search",
            dependencies: ["COpenBLAS", "Randomness", "ConfigKit"],
            swiftSettings: numericSettings
        ),
        .target(
            name: "MixRec",
            dependencies: ["Tensor", "Backbone", "RecData", "ConfigKit"],
            swiftSettings: numericSettings
        ),
        .target(name: "ClusterProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        /// The small blocking HTTP/1.1 server (listener, connections, bearer token, Prometheus text) the dashboard
        /// and `mixrec serve` share.
        .target(name: "HTTPServing"),
        /// `mixrec serve`: a trained run's recommendations as a JSON API.
        .target(name: "MixRecServing", dependencies: ["HTTPServing", "MixRec", "RecData"]),
        /// The cluster's pure protocol logic: wire types and validation, membership, scheduling, the coordinator's
        /// and the worker's state machines. No sockets, no database, no model: the services in `Cluster` drive it.
        .target(name: "ClusterCore", dependencies: ["CChecksum", "ClusterProto", "Search"]),
        /// CRC-32C with the CPU's instruction (SSE4.2), for `ClusterCore.CRC32C` where the CPU has it.
        .target(name: "CChecksum"),
        /// Fakes and wire fixtures shared by the cluster's test targets.
        .target(name: "ClusterCoreTestKit", dependencies: ["ClusterCore", "ClusterProto", "Search"]),
        /// The study's database (GRDB) and files: trials, workers, events, checkpoints, warm starts, the inbox. Used
        /// by the coordinator and by the read-only status, report, export and dashboard.
        .target(
            name: "StudyStore",
            dependencies: ["ClusterCore", "Search", "Tensor", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "Cluster",
            dependencies: [
                "ClusterCore", "ClusterProto", "ZeroMQ", "Search", "Tensor", "ConfigKit", "HTTPServing",
                "Randomness", "StudyStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        /// Joins MixRec to the cluster: the `mixrec` trial kind (the study's training config check, warm-start
        /// naming), the worker's MixRec trial runner, and a study's trial exported as a run folder.
        .target(name: "MixRecTrials", dependencies: ["Cluster", "ConfigKit", "MixRec", "Search", "Tensor"]),

        // MARK: - Executables
        .executableTarget(
            name: "MixRecCLI",
            dependencies: [
                "Tensor", "Backbone", "RecData", "ConfigKit", "MixRec", "Search", "Cluster", "ZeroMQ", "HTTPServing",
                "MixRecServing", "MixRecTrials",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "MixRecBench",
            dependencies: [
                "COpenBLAS", "Tensor", "Backbone", "RecData", "MixRec", "Search", "Cluster", "ZeroMQ", "HTTPServing",
                "MixRecServing", "Randomness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: numericSettings
        ),

        // MARK: - Tests
        .testTarget(name: "ConfigKitTests", dependencies: ["ConfigKit"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestKit", "Randomness"]),
        .testTarget(name: "BackboneTests", dependencies: ["Backbone", "Tensor", "TestKit"]),
        .testTarget(name: "RecDataTests", dependencies: ["RecData", "TestKit"]),
        .testTarget(name: "SearchTests", dependencies: ["Search"]),
        .testTarget(
            name: "MixRecTests", dependencies: ["MixRec", "Tensor", "TestKit", "Backbone", "RecData", "ConfigKit"]),
        .testTarget(
            name: "ClusterCoreTests",
            dependencies: ["ClusterCore", "ClusterCoreTestKit", "ClusterProto", "Search", "ConfigKit"]),
        .testTarget(
            name: "ClusterTests",
            dependencies: [
                "Cluster", "ClusterCoreTestKit", "ClusterProto", "ZeroMQ", "Search", "MixRec", "RecData",
                "Tensor", "ConfigKit", "TestKit", "HTTPServing", "Backbone",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "StudyStoreTests",
            dependencies: [
                "StudyStore", "ClusterCore", "ClusterCoreTestKit", "Search", "TestKit",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "MixRecTrialsTests",
            dependencies: ["MixRecTrials", "Cluster", "MixRec", "ConfigKit", "Search", "RecData", "Tensor", "TestKit"]),
        .testTarget(name: "HTTPServingTests", dependencies: ["HTTPServing", "TestKit"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "CZeroMQ"]),
        .testTarget(
            name: "MixRecCLITests",
            dependencies: [
                "MixRecCLI", "Cluster", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "MixRecServingTests",
            dependencies: ["MixRecServing", "HTTPServing", "MixRec", "RecData", "Tensor", "TestKit"]),
    ],
    swiftLanguageModes: [.v6]
)

// Every Swift target sees the members of only the modules a file imports itself (SE-0444), so each file's imports,
// and with `scripts/check-imports` the dependencies above, name everything the target uses.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
