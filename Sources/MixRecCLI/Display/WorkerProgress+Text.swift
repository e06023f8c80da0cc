import Cluster
import Foundation

// MARK: - Text for terminals and logs

extension WorkerProgress {
    /// One line for a terminal: `trial #3 [#########-----------] 45% epoch 1/4 step 30/120 · ETA 1m05s`.
    func bar(width: Int = 24) -> String {
        let bar = ProgressText.bar(fraction: self.fraction, width: width)
        var line = "trial \(self.trial) \(bar) \(Int((self.fraction * 100).rounded(.down)))% " + self.position
        if let left = self.secondsLeft { line += " · ETA " + ProgressText.duration(left) }
        return line
    }

    /// One log line per epoch: `trial #3 epoch 2/4 valid/score=1.234, ETA 12s`.
    var logLine: String {
        var line = "trial \(self.trial) epoch \(self.epoch)/\(self.maxEpochs)"
        let metrics = self.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.4g", $0.value))" }
        if !metrics.isEmpty { line += " " + metrics.joined(separator: " ") }
        if let left = self.secondsLeft { line += ", ETA " + ProgressText.duration(left) }
        return line
    }

    private var position: String {
        var text = "epoch \(self.epoch)/\(self.maxEpochs)"
        if self.epoch < self.maxEpochs, self.step > 0 {
            text += " step \(self.step)" + (self.stepsPerEpoch.map { "/\($0)" } ?? "")
        }
        return text
    }
}
