/// `Cluster` is the I/O side of the cluster (ZeroMQ services, the study store, the dashboard, CURVE); its pure
/// protocol logic is `ClusterCore`. Re-exported so that clients of `Cluster` (the CLI, the bench, the tests) and
/// every file of this module see the core's types without importing it themselves.
@_exported import ClusterCore
