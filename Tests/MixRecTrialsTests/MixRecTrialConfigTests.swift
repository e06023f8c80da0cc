import ConfigKit
import MixRec
import MixRecTrials
import RecData
import Search
import Testing

/// How a trial's searched values reach its training config.
@Suite struct MixRecTrialConfigTests {
    /// A categorical value is set as the string it is: not read as a number, and not re-parsed as YAML (which would
    /// make a mapping, a list or a comment of it, strip its quotes or padding, or split it at `=`).
    @Test(arguments: ["8", "1e-3", "runs/a=b", "ml: 100k", "[a, b]", "'quoted'", "data #2", " padded "])
    func aCategoricalValueIsSetAsTheStringItIs(path: String) throws {
        let base = try ConfigDocument(yaml: "data: {format: ml-100k, path: placeholder}")
        let config = try MixRecTrialConfig.make(base: base, configuration: Configuration(["data.path": .string(path)]))
        #expect(config.data.source == .folder(path: path, format: .movieLens100K))
    }
}
