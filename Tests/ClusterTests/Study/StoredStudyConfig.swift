import Cluster
import Foundation

extension StudyStore {
    /// A new database in `folder` holding the study config `folder/study.yaml` as a coordinator stores it (its
    /// canonical text, seed and budget), with the config read.
    static func storing(studyIn folder: URL, state: StudyState) throws -> (store: StudyStore, config: StudyConfig) {
        let config = try StudyConfig(contentsOf: folder.appendingPathComponent("study.yaml").path)
        let store = try StudyStore(directory: folder)
        try store.saveStudy(
            StudyRecord(
                name: config.name, configJSON: config.canonicalText, seed: Int64(config.seeding.base),
                budget: config.budget, state: state, createdAt: Date()))
        return (store, config)
    }
}
