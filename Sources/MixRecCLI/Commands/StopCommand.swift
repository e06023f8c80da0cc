import ArgumentParser
import Cluster

/// `mixrec stop`: stops a study's coordinator cleanly; the next start continues the study.
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a study's coordinator cleanly (a restart continues the study).")

    @OptionGroup var study: StudyDirectoryOption

    func run() throws {
        try self.study.submit(.stop)
        print("asked the coordinator of \(self.study.studyDir) to stop")
    }
}
