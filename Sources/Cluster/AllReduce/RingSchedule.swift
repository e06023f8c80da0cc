/// Which slice of the buffer each rank sends and receives in each step of a ring all-reduce.
///
/// The buffer of `count` elements is cut into `worldSize` near-equal segments (some empty when
/// `count < worldSize`). In reduce-scatter step `s` rank `r` sends segment `(r − s) mod N` to rank `r+1` and adds
/// segment `(r − s − 1) mod N` from rank `r−1`; after `N−1` steps it owns the full sum of segment `(r+1) mod N`.
/// All-gather step `s` then sends segment `(r + 1 − s) mod N` and overwrites segment `(r − s) mod N`.
struct RingSchedule: Equatable {
    let rank: Int
    let worldSize: Int
    let count: Int

    /// The element range of segment `index`.
    func segment(_ index: Int) -> Range<Int> {
        let base = self.count / self.worldSize
        let extra = self.count % self.worldSize
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }

    /// The number of ring steps: `N−1` reduce-scatter plus `N−1` all-gather.
    var stepCount: Int { 2 * (self.worldSize - 1) }

    /// Whether `step` adds what it receives (reduce-scatter) rather than overwriting (all-gather).
    func isReducing(_ step: Int) -> Bool { step < self.worldSize - 1 }

    /// The segment this rank sends in `step`.
    func sendSegment(_ step: Int) -> Range<Int> {
        let offset = self.isReducing(step) ? -step : 1 - (step - (self.worldSize - 1))
        return self.segment(self.wrap(self.rank + offset))
    }

    /// The segment this rank receives in `step`.
    func receiveSegment(_ step: Int) -> Range<Int> {
        let offset = self.isReducing(step) ? -step - 1 : -(step - (self.worldSize - 1))
        return self.segment(self.wrap(self.rank + offset))
    }

    private func wrap(_ index: Int) -> Int {
        ((index % self.worldSize) + self.worldSize) % self.worldSize
    }
}
