import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

/// client → audit-producer (proxy) → Kafka → audit-consumer → audit-archive body.
@Suite("End to end: proxy to archive", .serialized, .fixtures)
struct EndToEndArchiveTests {
    /// Waits for the archived exchange whose request id is `requestID`.
    static func exchangeID(requestID: String, root: String, timeout: Duration) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var found: String?
            if FileManager.default.fileExists(atPath: root) {
                try ArchiveQuery.forEach(in: root, filter: ExchangeFilter(), decodeRecords: true, onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
                    guard exchange.record?.requestID == requestID else { return .proceed }
                    found = exchange.envelope.id
                    return .stop
                }
            }
            if let found { return found }
            try await Task.sleep(for: .milliseconds(500))
        }
        return nil
    }

    @Test("1 MB + 1 MB exchanges: audit-archive body returns exactly the bytes the client sent and received")
    func megabyteBodies() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-e2e")
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let producer = try await ProducerProcess.start(arguments: [
            "--upstream", upstream.url, "--route", "POST /api/**",
            "--kafka-brokers", try IntegrationBroker.bootstrapServers().joined(separator: ","),
            "--kafka-topic", topic, "--spool-dir", ProducerProcess.temporarySpool(),
        ])
        defer { producer.kill() }
        let consumer = try await ArchiveHarness.startConsumer(topic: topic, group: "archive-e2e-\(UUID().uuidString.prefix(8))", root: root)
        defer { consumer.kill() }

        for index in 0..<2 {
            let body = ProxyCaptureTests.json(bytes: 1 << 20, seed: index)
            let requestID = "e2e-\(index)-\(UUID().uuidString)"
            let reply = try await HTTPTestClient.send(
                "\(producer.proxyURL)/api/echo",
                headers: [("Content-Type", "application/json"), ("X-Request-ID", requestID)],
                body: body
            )
            #expect(reply.status == 200)
            #expect(reply.body.readableBytes >= 1 << 19)
            let id = try #require(try await Self.exchangeID(requestID: requestID, root: root, timeout: .seconds(60)))

            let request = try await ArchiveHarness.cli(["body", root, "--id", id, "--request"])
            #expect(request.status == 0, "\(request.standardError)")
            #expect(request.standardOutput == Data(body.readableBytesView))
            let response = try await ArchiveHarness.cli(["body", root, "--id", id, "--response"])
            #expect(response.status == 0, "\(response.standardError)")
            #expect(response.standardOutput == Data(reply.body.readableBytesView))
        }
        let missing = try await ArchiveHarness.cli(["body", root, "--id", UUIDv7.generate(), "--request"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("no exchange"))

        #expect(await producer.terminate() == 0)
        #expect(await consumer.terminate() == 0)
        let stats = try await ArchiveHarness.cli(["stats", root, "--route", "/api/**"])
        #expect(String(decoding: stats.standardOutput, as: UTF8.self).contains("exchanges: 2"))
        let cat = try await ArchiveHarness.cli(["cat", root, "--status", "2xx", "--method", "post"])
        #expect(String(decoding: cat.standardOutput, as: UTF8.self).split(separator: "\n").count == 2)
    }

    @Test("audit-archive explains a missing root and a bad filter")
    func cliErrors() async throws {
        let missing = try await ArchiveHarness.cli(["verify", "/nonexistent/archive-root"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("/nonexistent/archive-root does not exist"))
        let badTime = try await ArchiveHarness.cli(["cat", "/tmp", "--from", "yesterday"])
        #expect(badTime.status != 0)
        #expect(badTime.standardError.contains("--from 'yesterday' is not an RFC 3339 time"))
        let consumer = try await ProcessRunner.outcome([try ServiceProcess.binary("audit-consumer"), "--segment-max-records", "zero"])
        #expect(consumer.status == 2)
        #expect(consumer.standardError.contains("--segment-max-records / AUDIT_SEGMENT_MAX_RECORDS"))
    }
}
