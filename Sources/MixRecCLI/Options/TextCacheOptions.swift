import ArgumentParser
import MixRec

/// `--text-cache DIR` and `--no-text-cache`, shared by the commands that build a model: where items' text states
/// (every item's text run through the frozen backbone) are kept across processes (``TextStateCache``).
struct TextCacheOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Folder of items' text states kept across processes: a run whose backbone, item text and depth match "
                + "a file there reads it instead of running every item's text through the backbone, one that "
                + "computes them stores them there (a file per dataset and depth, e.g. 766 MB for amazon-beauty at 8 blocks). "
                + "Default: $MIXREC_HOME/text-states (~/.cache/mixrec/text-states).",
            valueName: "dir"))
    var textCache: String?

    @Flag(help: "Keep items' text states in memory only: neither read nor write the --text-cache folder.")
    var noTextCache = false

    func validate() throws {
        if self.noTextCache && self.textCache != nil {
            throw ValidationError("--text-cache and --no-text-cache exclude each other.")
        }
    }

    /// The folder of text states; nil with `--no-text-cache`.
    var directory: String? {
        guard !self.noTextCache else { return nil }
        return self.textCache ?? MixRecWorkspace.defaultTextStateDirectory
    }

    /// A workspace keeping text states in ``directory`` and collaborative warm starts in `warmStartDirectory`.
    func workspace(
        warmStartDirectory: String? = nil, log: @escaping @Sendable (String) -> Void
    ) -> MixRecWorkspace {
        MixRecWorkspace(warmStartDirectory: warmStartDirectory, textStateDirectory: self.directory, log: log)
    }
}
