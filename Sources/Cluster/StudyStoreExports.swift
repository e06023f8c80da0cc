/// The study's database and files (`StudyStore`, GRDB) live in their own module. Re-exported, like `ClusterCore`,
/// so that clients of `Cluster` and every file of this module see the store's types without importing it.
@_exported import StudyStore
