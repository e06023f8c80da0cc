import Foundation
import Synchronization
import ZeroMQ

@testable import Cluster

/// Runs one closure per rank of a ring on its own thread (sockets belong to one thread) and collects results.
enum RingHarness {
    /// `worldSize` fresh `ipc://` endpoints in a scratch folder unique to this call.
    static func ipcEndpoints(_ worldSize: Int) -> (endpoints: [String], folder: String) {
        let folder = NSTemporaryDirectory() + "mixrec-ring-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return ((0..<worldSize).map { "ipc://\(folder)/rank\($0)" }, folder)
    }

    /// Runs `body(rank, group)` for every rank at once and returns each rank's result, by rank. With `hosts`, rank
    /// r first enters `hosts[r]` and opens its sockets in a context of its own (whose I/O threads then live there).
    static func run<Value: Sendable>(
        worldSize: Int, settings: AllReduceSettings = AllReduceSettings(), context: ZMQContext? = nil,
        endpoints given: [String]? = nil, hosts: [SimulatedHost]? = nil,
        adjust: @escaping @Sendable (Int, inout AllReduceSettings) -> Void = { _, _ in },
        _ body: @escaping @Sendable (Int, AllReduceGroup) throws -> Value
    ) throws -> [Result<Value, any Error>] {
        let context = try context ?? ZMQContext()
        let (generated, folder) = self.ipcEndpoints(worldSize)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let endpoints = given ?? generated
        let results = Mutex<[Int: Result<Value, any Error>]>([:])
        let done = DispatchGroup()
        for rank in 0..<worldSize {
            done.enter()
            let thread = Thread {
                let result = Result<Value, any Error> {
                    var settings = settings
                    adjust(rank, &settings)
                    if let hosts { try hosts[rank].enter() }
                    let context = try hosts == nil ? context : ZMQContext()
                    let group = try AllReduceGroup(
                        rank: rank, endpoints: endpoints, context: context, settings: settings)
                    return try body(rank, group)
                }
                results.withLock { $0[rank] = result }
                done.leave()
            }
            thread.start()
        }
        done.wait()
        return results.withLock { all in (0..<worldSize).map { all[$0]! } }
    }
}
