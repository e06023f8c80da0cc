import Cluster
import Testing

@Suite struct CoordinatorCountersTests {
    @Test func countersContinueStoredTotalsAndHandOverOnlyChanges() {
        var counters = CoordinatorCounters(stored: [
            CoordinatorCounterRecord(name: CoordinatorCounters.received, label: "Hello", value: 4)
        ])
        counters.increment(CoordinatorCounters.received, "Hello")
        counters.increment(CoordinatorCounters.rejected, "malformed")
        counters.increment(CoordinatorCounters.rejected, "malformed")
        #expect(
            counters.takeChanges() == [
                CoordinatorCounterRecord(name: "received", label: "Hello", value: 5),
                CoordinatorCounterRecord(name: "rejected", label: "malformed", value: 2),
            ])
        #expect(counters.takeChanges().isEmpty)
        counters.increment(CoordinatorCounters.sent, "Welcome")
        #expect(counters.takeChanges().map(\.label) == ["Welcome"])
        #expect(counters.value(CoordinatorCounters.received, "Hello") == 5)
    }
}
