/// The version `mixrec --version` prints.
enum MixRecVersion {
    static let string = "0.1.0"
}
