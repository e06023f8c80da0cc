import Cluster
import Foundation
import Testing

/// Two network namespaces joined by a veth pair, for a root-only test: `hosts[0]` at 10.76.0.1 and `hosts[1]` at
/// 10.76.0.2, addresses the test's own namespace does not have. The names carry the PID, so concurrent runs never
/// collide; `remove()` deletes both namespaces (and with them the veth pair).
struct NamespacePair {
    let hosts: [SimulatedHost]

    /// Makes both namespaces and the link between them.
    /// - Throws: `IPCommandError` for the first `ip` command that fails, after removing what was made.
    init() throws {
        let tag = "mxinv\(getpid())"
        self.hosts = [
            SimulatedHost(namespace: "\(tag)a", address: "10.76.0.1"),
            SimulatedHost(namespace: "\(tag)b", address: "10.76.0.2"),
        ]
        do {
            for host in self.hosts { try Self.ip("netns", "add", host.namespace) }
            let (a, b) = (self.hosts[0].namespace, self.hosts[1].namespace)
            try Self.ip("link", "add", "name", a, "netns", a, "type", "veth", "peer", "name", b, "netns", b)
            for host in self.hosts {
                try Self.ip("-n", host.namespace, "addr", "add", "\(host.address)/24", "dev", host.namespace)
                try Self.ip("-n", host.namespace, "link", "set", host.namespace, "up")
            }
        } catch {
            self.remove()
            throw error
        }
    }

    /// Deletes the namespaces that exist; a refusal is recorded as an issue of the running test.
    func remove() {
        for host in self.hosts where FileManager.default.fileExists(atPath: "/run/netns/\(host.namespace)") {
            do {
                try Self.ip("netns", "del", host.namespace)
            } catch {
                Issue.record(error)
            }
        }
    }

    /// Whether this process may make the pair: root, iproute2's `ip` on PATH, and the kernel lets it add a
    /// namespace with a veth pair in it (a container without CAP_SYS_ADMIN or CAP_NET_ADMIN does not). Prints why
    /// not.
    static let available: Bool = {
        let reason: String?
        if getuid() != 0 {
            reason = "not root"
        } else if !ExternalTool.exists("ip") {
            reason = "no `ip` (iproute2) on PATH"
        } else {
            let probe = "mxprobe\(getpid())"
            do {
                try Self.ip("netns", "add", probe)
                defer { try? Self.ip("netns", "del", probe) }
                try Self.ip("-n", probe, "link", "add", "name", "probe0", "type", "veth", "peer", "name", "probe1")
                reason = nil
            } catch {
                reason = "\(error)"
            }
        }
        if let reason { print("network namespace tests skipped: \(reason)") }
        return reason == nil
    }()

    /// Runs `ip arguments…`.
    /// - Throws: `IPCommandError` when it exits non-zero.
    private static func ip(_ arguments: String...) throws {
        let output = try ExternalTool.run(["ip"] + arguments)
        guard output.status == 0 else {
            throw IPCommandError(arguments: arguments, status: output.status, stderr: output.stderr)
        }
    }
}

/// An `ip` command that failed: the command, its exit status and what it wrote to stderr.
struct IPCommandError: Error, CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stderr: String

    var description: String {
        "`ip \(self.arguments.joined(separator: " "))` exited with \(self.status): "
            + self.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
