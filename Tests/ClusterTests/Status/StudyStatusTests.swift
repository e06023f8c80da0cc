import Cluster
import Foundation
import Search
import Testing

@Suite struct StudyStatusTests {
    private func trial(_ id: TrialID, _ state: TrialState, final: Double?, epochs: [Double]) -> Trial {
        var trial = Trial(id: id, params: Configuration(["x": .int(Int(id.rawValue))]), origin: .proposed)
        trial.state = state
        trial.attempt = 1
        trial.workers = ["w1"]
        for (index, value) in epochs.enumerated() { trial.intermediate[index + 1] = ["valid/ndcg@10": value] }
        trial.finalMetrics = final.map { ["valid/ndcg@10": $0, "test/ndcg@10": $0 / 2] }
        return trial
    }

    /// A store in `directory` holding a RUNNING study with seed 3.
    private func store(in directory: StudyDirectory, name: String, budget: Int) throws -> StudyStore {
        let store = try StudyStore(directory: directory.url)
        try store.saveStudy(
            StudyRecord(
                name: name, configJSON: "{}", seed: 3, budget: budget, state: .running,
                createdAt: Date(timeIntervalSince1970: 1_800_000_000)))
        return store
    }

    @Test func jsonHasTheDocumentedShapeAndPicksTheBestCompleteTrial() throws {
        let directory = try StudyDirectory()
        let store = try self.store(in: directory, name: "demo", budget: 6)
        try store.save([
            self.trial(1, .complete, final: 0.3, epochs: [0.1, 0.3]),
            self.trial(2, .complete, final: 0.5, epochs: [0.2, 0.5]),
            self.trial(3, .pruned, final: 0.9, epochs: [0.9]),
            self.trial(4, .running, final: nil, epochs: [0.05, 0.4, 0.2]),
        ])
        try store.save(
            StoredWorker(
                id: "w1", incarnation: 1, host: "h", cores: 2, status: .alive, busy: true,
                lastSeen: Date(timeIntervalSince1970: 1_800_000_100)))

        let reader = try StudyStore.openReadOnly(directory: directory.url)
        let status = try StudyStatus.load(from: reader)
        #expect(status.best?.id == 2)
        #expect(status.trials.map(\.epoch) == [2, 2, 1, 3])
        // The study's epochs default to 4: the share of a full trial each trained.
        #expect(status.trials.map(\.fidelity) == [1, 1, 0.25, 0.75])
        #expect(status.table().contains("fidelity"))
        #expect(status.trials[3].bestValidation == 0.4)
        #expect(status.trials[3].metrics == ["valid/ndcg@10": 0.2])

        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(status.json().utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["study", "budget", "trials", "best", "workers"])
        #expect(object["budget"] as? Int == 6)
        let trials = try #require(object["trials"] as? [[String: Any]])
        #expect(trials.map { $0["state"] as? String } == ["COMPLETE", "COMPLETE", "PRUNED", "RUNNING"])
        #expect((trials[0]["params"] as? [String: Any])?["x"] as? Int == 1)
        let workers = try #require(object["workers"] as? [[String: Any]])
        #expect(workers.first?["status"] as? String == "ALIVE")
        #expect(workers.first?["lastSeen"] as? String == "2027-01-15T08:01:40Z")
        #expect((object["study"] as? [String: Any])?["state"] as? String == "RUNNING")

        let lowerIsBetter = try StudyStatus.load(from: reader, maximize: false)
        #expect(lowerIsBetter.best?.id == 1)
    }

    @Test func theTableShortensExpertGroupKeys() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let params = Configuration([
            "model.experts.groups.top.types": .string("lora+bottleneck"), "model.experts.groups.top.experts": .int(4),
            "train.lr": .double(0.001234567),
        ])
        try store.save([Trial(id: 1, params: params, origin: .proposed)])
        let table = try StudyStatus.load(from: store).table()
        #expect(table.contains("top.experts=4 top.types=lora+bottleneck train.lr=0.001235"), "\(table)")
    }

    @Test func eachTrialsSeedIsShownAndReplicatesAreCountedApartFromTheBudget() throws {
        let directory = try StudyDirectory()
        let store = try self.store(in: directory, name: "crn", budget: 2)
        var replicate = self.trial(3, .running, final: nil, epochs: [])
        replicate.origin = .replicate
        replicate.seed = 4
        var trials = [self.trial(1, .complete, final: 0.3, epochs: []), self.trial(2, .pruned, final: 0.1, epochs: [])]
        for index in trials.indices { trials[index].seed = 3 }
        try store.save(trials + [replicate])
        let status = try StudyStatus.load(from: store)
        #expect(status.trials.map(\.seed) == [3, 3, 4])
        let table = status.table()
        #expect(table.contains("study crn: RUNNING, 2 of 2 trials done, 0 of 1 replicates done"), "\(table)")
        #expect(table.contains("id  state     seed  attempt"), "\(table)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(status.json().utf8)) as? [String: Any])
        let lines = try #require(object["trials"] as? [[String: Any]])
        #expect(lines.map { $0["seed"] as? Int } == [3, 3, 4])
        #expect(lines.map { $0["origin"] as? String } == ["PROPOSED", "PROPOSED", "REPLICATE"])
    }

    @Test func anEmptyStudyHasANullBest() throws {
        let directory = try StudyDirectory()
        let status = try StudyStatus.load(from: try StudyStore(directory: directory.url))
        #expect(status.json() == #"{"best":null,"budget":0,"study":null,"trials":[],"workers":[]}"#)
    }
}
