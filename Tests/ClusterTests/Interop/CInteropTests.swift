import Cluster
import ClusterCoreTestKit
import ClusterProto
import Foundation
import Testing

/// A worker written in C (scripts/interop/c-worker.c, protobuf-c generated from the same proto/ files) decodes a
/// trial assignment encoded by Swift and answers with a result that Swift decodes and validates.
@Suite struct CInteropTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// protoc-c, a C compiler and the protobuf-c headers (Debian: protobuf-c-compiler, libprotobuf-c-dev).
    static let toolsAvailable =
        ExternalTool.exists("protoc-c") && ExternalTool.exists("cc")
        && FileManager.default.fileExists(atPath: "/usr/include/protobuf-c/protobuf-c.h")

    /// Generates the C code and builds the C worker in `directory`.
    private func buildCWorker(in directory: URL) throws -> URL {
        let root = Self.repositoryRoot
        let protos = try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("proto/mixrec/cluster/v1").path
        ).filter { $0.hasSuffix(".proto") }.sorted().map { "proto/mixrec/cluster/v1/\($0)" }
        let generate = try ExternalTool.run(
            ["protoc-c", "--c_out=\(directory.path)", "-I", "proto"] + protos, in: root)
        try #require(generate.status == 0, "protoc-c failed: \(generate.stderr)")
        let sources = protos.map { proto in
            let relative = String(proto.dropFirst("proto/".count)).replacingOccurrences(of: ".proto", with: ".pb-c.c")
            return directory.appendingPathComponent(relative).path
        }
        let binary = directory.appendingPathComponent("c-worker")
        let compile = try ExternalTool.run(
            [
                "cc", "-std=c11", "-Wall", "-Werror", "-I", directory.path, "-o", binary.path,
                root.appendingPathComponent("scripts/interop/c-worker.c").path,
            ] + sources + ["-lprotobuf-c"])
        try #require(compile.status == 0, "cc failed: \(compile.stderr)")
        return binary
    }

    @Test(
        .enabled(
            if: Self.toolsAvailable,
            "needs protoc-c, cc and the protobuf-c headers: apt-get install protobuf-c-compiler libprotobuf-c-dev"))
    func cWorkerDecodesSwiftAssignmentAndSwiftAcceptsItsResult() throws {
        let directory = try StudyDirectory()
        let binary = try self.buildCWorker(in: directory.url)

        var assignment = WireFixtures.assignment(worldSize: 2, rank: 1)
        assignment.resume = .describing(WireFixtures.parameters, epoch: 2)
        let frames = try WireMessage(sequence: 31, body: .assignment(assignment), blobs: [WireFixtures.parameters])
            .frames()
        let assignmentFile = directory.url.appendingPathComponent("assignment.bin")
        let frameFile = directory.url.appendingPathComponent("parameters.bin")
        let resultFile = directory.url.appendingPathComponent("result.bin")
        try Data(frames[0]).write(to: assignmentFile)
        try Data(frames[1]).write(to: frameFile)

        let run = try ExternalTool.run([binary.path, assignmentFile.path, resultFile.path, frameFile.path])
        try #require(run.status == 0, "c-worker failed: \(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "sequence=31", "trial_id=42", "attempt=2", "group_id=7", "rank=1", "world_size=2",
                "peer=0 worker-0 tcp://127.0.0.1:7000", "peer=1 worker-1 tcp://127.0.0.1:7001",
                #"config_json={"layers":4,"lr":0.001}"#, "max_epochs=5", "seed=1234", "resume_epoch=2",
                "resume_bytes=4096", "resume_checksum=ok",
            ])

        let reply = try WireMessage.decode(frames: [Array(try Data(contentsOf: resultFile))])
        guard case .result(let result) = reply.envelope.body else {
            Issue.record("the C worker did not send a TrialResult: \(reply.envelope)")
            return
        }
        #expect(result.trialID == 42)
        #expect(result.attempt == 2)
        #expect(result.epochs == 5)
        #expect(result.seconds == 3.5)
        #expect(result.metrics.map(\.name) == ["valid/ndcg@10", "test/ndcg@10"])
        #expect(result.metrics.map(\.value) == [0.25, 0.125])
    }
}
