import Cluster
import Foundation
import Testing
import ZeroMQ

/// `InvarianceTrial` across simulated hosts (issue #22): the 2 ranks are threads that each entered a network
/// namespace of its own, joined to the other's by a veth pair, and bind their ring endpoints on its address. Needs
/// root; skipped otherwise, and where the kernel refuses namespaces (a container without CAP_SYS_ADMIN).
@Suite(
    .enabled(
        if: NamespacePair.available,
        "needs root, iproute2's ip and the rights to make network namespaces (CAP_SYS_ADMIN, CAP_NET_ADMIN)"))
struct WorldSizeInvarianceNetnsTests {
    @Test func aTrialOnRanksInTwoNetworkNamespacesReachesTheSameValidationEveryEpoch() throws {
        let pair = try NamespacePair()
        defer { pair.remove() }
        // The test's own namespace has neither address, so a rank that binds one runs inside its namespace.
        let outside = try ZMQSocket(context: ZMQContext(), type: .pull)
        let refused = #expect(throws: ZMQError.self) { try outside.bind("tcp://\(pair.hosts[0].address):6100") }
        #expect(refused?.code == EADDRNOTAVAIL)
        let endpoints = pair.hosts.map { "tcp://\($0.address):6100" }
        let group = try InvarianceTrial.group(endpoints: endpoints, hosts: pair.hosts)
        InvarianceTrial.expect(group, matches: try InvarianceTrial.single(), "2 ranks in 2 network namespaces")
    }
}
