import RecData
import Tensor

/// Checkpoints: the trainable parameters, AdamW's moments, the best epoch's parameters and where training stands,
/// in one parameter file (`docs/formats.md`; checksummed, so damage is detected).
extension MixRecTrainer {
    /// The names of the progress entries and the validation metrics kept per epoch, in storage order.
    private static let progressKeys = ["epoch", "step", "best_value", "best_epoch", "bad_epochs", "adam_step"]
    private static let metricKeys = ["hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20"]

    /// Everything needed to continue training exactly where it stands.
    public func checkpoint() -> [UInt8] {
        var entries: [String: Tensor] = [:]
        let names = self.model.parameters.entries.map(\.name)
        let moments = self.optimizer.momentState
        for (index, name) in names.enumerated() {
            entries["param/\(name)"] = self.parameters[index]
            entries["adam.first/\(name)"] = moments.first[index]
            entries["adam.second/\(name)"] = moments.second[index]
            if let best = self.progress.bestParameters { entries["best/\(name)"] = best[index] }
        }
        let p = self.progress
        let numbers = [p.epoch, p.step, 0, p.bestEpoch, p.badEpochs, moments.step].map { Float($0) }
        let progress = Tensor(numbers, shape: [numbers.count])
        progress.withUnsafeMutableBufferPointer { $0[2] = p.bestValue }
        entries["progress"] = progress
        let history = p.validationHistory.flatMap { epoch in Self.metricKeys.map { Float(epoch[$0] ?? 0) } }
        entries["progress.validation"] = Tensor(history, shape: [p.validationHistory.count, Self.metricKeys.count])
        for (key, report) in [
            ("progress.best_validation", p.bestValidation), ("progress.warm_start.valid", p.warmStart?.validation),
            ("progress.warm_start.test", p.warmStart?.test),
        ] {
            entries[key] = report?.countsTensor
        }
        return ParameterFile.encode(entries)
    }

    /// The trainable parameters alone (the model a finished run keeps), as a parameter file, with the model's
    /// ``ScoreCalibration`` when it has one.
    public func modelParameters() -> [UInt8] {
        var entries = self.model.parameters.byName
        if !self.model.calibration.isNone { entries[MixRecModel.calibrationEntry] = self.model.calibration.tensor }
        return ParameterFile.encode(entries)
    }

    /// Continues from a ``checkpoint()`` of a trainer with the same config.
    /// - Throws: ``TrainingError/badCheckpoint(_:)`` when the bytes are damaged or belong to another model.
    public func restore(_ bytes: [UInt8]) throws {
        let entries: [String: Tensor]
        do { entries = try ParameterFile.decode(bytes) } catch { throw TrainingError.badCheckpoint("\(error)") }
        guard let progress = entries["progress"]?.scalars, progress.count == Self.progressKeys.count,
            let history = entries["progress.validation"]
        else { throw TrainingError.badCheckpoint("no training progress in it") }
        let names = self.model.parameters.entries.map(\.name)
        let stored = Set(entries.keys.filter { $0.hasPrefix("param/") }.map { String($0.dropFirst(6)) })
        guard stored == Set(names) else {
            let extra = stored.subtracting(names).sorted().prefix(3)
            let missing = Set(names).subtracting(stored).sorted().prefix(3)
            throw TrainingError.badCheckpoint(
                "it belongs to another model (unexpected: \(Array(extra)), missing: \(Array(missing)))")
        }
        func tensor(_ key: String, like parameter: Tensor) throws -> Tensor {
            guard let value = entries[key] else { throw TrainingError.badCheckpoint("missing \(key)") }
            guard value.shape == parameter.shape else {
                throw TrainingError.badCheckpoint("\(key) has shape \(value.shape), the model needs \(parameter.shape)")
            }
            return value
        }
        let values = try zip(names, self.parameters).map { try tensor("param/\($0)", like: $1) }
        let first = try zip(names, self.parameters).map { try tensor("adam.first/\($0)", like: $1) }
        let second = try zip(names, self.parameters).map { try tensor("adam.second/\($0)", like: $1) }
        let hasBest = entries.keys.contains { $0.hasPrefix("best/") }
        let best = hasBest ? try zip(names, self.parameters).map { try tensor("best/\($0)", like: $1) } : nil
        for (parameter, value) in zip(self.parameters, values) { parameter.copyValues(from: value) }
        self.optimizer.restoreMoments(step: Int(progress[5]), first: first, second: second)
        let rows = history.shape.first ?? 0
        let scalars = history.scalars
        // Reports are absent from checkpoints of older code; the final evaluation then does without them.
        let exclude = [self.model.config.evaluation.excludeHistory]
        func report(_ key: String, sources: [ScoreSource]) -> RankingReport? {
            entries[key].flatMap { RankingReport(counts: $0, sources: sources, protocols: exclude) }
        }
        let warmValidation = report("progress.warm_start.valid", sources: [.collaborative])
        let warmTest = report("progress.warm_start.test", sources: [.collaborative])
        self.progress = TrainingProgress(
            epoch: Int(progress[0]), step: Int(progress[1]), bestValue: progress[2], bestEpoch: Int(progress[3]),
            badEpochs: Int(progress[4]), bestParameters: best,
            validationHistory: (0..<rows).map { row in
                Dictionary(
                    uniqueKeysWithValues: Self.metricKeys.enumerated().map {
                        ($1, Double(scalars[row * Self.metricKeys.count + $0]))
                    })
            },
            bestValidation: report("progress.best_validation", sources: self.model.scoreSources),
            warmStart: warmValidation.flatMap { validation in
                warmTest.map { StageReports(validation: validation, test: $0) }
            })
    }
}

extension MixRecModel {
    /// The entry of a model file that holds its ``ScoreCalibration`` (absent: none).
    static let calibrationEntry = "calibration"

    /// Loads trainable parameters saved by ``MixRecTrainer/modelParameters()`` (or any parameter file with the
    /// same names and shapes), and the calibration saved with them.
    /// - Throws: ``TrainingError/badCheckpoint(_:)`` when the file is damaged or belongs to another model.
    public func loadParameters(_ bytes: [UInt8]) throws {
        var entries: [String: Tensor]
        do { entries = try ParameterFile.decode(bytes) } catch { throw TrainingError.badCheckpoint("\(error)") }
        let calibration = try entries.removeValue(forKey: Self.calibrationEntry).map { tensor in
            guard let calibration = ScoreCalibration(tensor: tensor) else {
                throw TrainingError.badCheckpoint(
                    "\(Self.calibrationEntry) holds \(tensor.scalars) of shape \(tensor.shape), not α, w, b and a neighbour flag of 0 or 1"
                )
            }
            return calibration
        }
        let names = Set(self.parameters.entries.map(\.name))
        guard Set(entries.keys) == names else {
            throw TrainingError.badCheckpoint(
                "its parameters do not match this model's (e.g. \(Array(Set(entries.keys).symmetricDifference(names).sorted().prefix(3))))"
            )
        }
        for (name, parameter) in self.parameters.entries {
            guard let value = entries[name], value.shape == parameter.shape else {
                throw TrainingError.badCheckpoint("\(name) has another shape than the model's \(parameter.shape)")
            }
            parameter.copyValues(from: value)
        }
        self.calibration = calibration ?? .none
    }
}
