import ArgumentParser
import Cluster
import Foundation

/// `--study-dir`, shared by the commands that operate a study.
struct StudyDirectoryOption: ParsableArguments {
    @Option(help: "The study directory (holds study.sqlite, checkpoints, the inbox and logs).")
    var studyDir: String

    var url: URL { URL(fileURLWithPath: self.studyDir) }

    /// Opens the study read-only (safe next to a running coordinator).
    func openReadOnly() throws -> StudyStore {
        guard FileManager.default.fileExists(atPath: self.url.appendingPathComponent(StudyStore.databaseFileName).path)
        else {
            throw ValidationError(
                "no study in \(self.studyDir) (no \(StudyStore.databaseFileName)): the coordinator creates it when it "
                    + "starts (`mixrec coordinator --study-dir \(self.studyDir) …`).")
        }
        return try StudyStore.openReadOnly(directory: self.url)
    }

    /// Leaves `request` in the study's inbox for the running coordinator.
    func submit(_ request: StudyRequest) throws {
        _ = try self.openReadOnly()
        try StudyInbox(studyDirectory: self.url).submit(request)
    }
}
