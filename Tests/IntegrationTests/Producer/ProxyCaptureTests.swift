import AsyncHTTPClient
import AuditEnvelope
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// audit-producer in proxy mode in front of a test upstream, publishing to the real broker.
@Suite("Proxy capture through the real broker", .serialized, .fixtures)
struct ProxyCaptureTests {
    static func json(bytes count: Int, seed: Int) -> ByteBuffer {
        var text = #"{"seed":\#(seed),"items":["#
        var index = 0
        while text.utf8.count < count - 40 {
            text += #"{"id":\#(index),"name":"item-\#(index)-\#(seed)","ok":true},"#
            index += 1
        }
        text += #"{"id":-1}]}"#
        return ByteBuffer(string: text)
    }

    static func sha256(_ buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { SHA256.hash(data: $0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// Validates exchange records against the repository's JSON Schema with Python's jsonschema.
    static func validateAgainstSchema(_ records: [ByteBuffer]) async throws {
        try await validate(records, schema: "exchange-record-v1")
    }

    /// Validates JSON documents against `schemas/<schema>.schema.json` with Python's jsonschema.
    static func validate(_ records: [ByteBuffer], schema: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, record) in records.enumerated() {
            let path = directory.appendingPathComponent("\(index).json").path
            try Data(record.readableBytesView).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        _ = try await ProcessRunner.run([ProjectPaths.python, "\(ProjectPaths.root)/schemas/validate.py", "--schema", schema] + paths)
    }

    @Test("1 MB JSON exchanges: byte-identical responses, one valid envelope per captured exchange, none for others")
    func megabyteExchanges() async throws {
        let topic = IntegrationBroker.uniqueTopic("proxy")
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let producer = try await ProducerProcess.start(arguments: [
            "--upstream", upstream.url, "--route", "POST /api/**",
            "--kafka-brokers", try IntegrationBroker.bootstrapServers().joined(separator: ","),
            "--kafka-topic", topic, "--spool-dir", ProducerProcess.temporarySpool(),
        ])
        let collector = try EnvelopeCollector(topic: topic)

        var captured: [(requestID: String, request: ByteBuffer, response: ByteBuffer)] = []
        for index in 0..<3 {
            let body = Self.json(bytes: 1 << 20, seed: index)
            let requestID = "mb-\(index)-\(UUID().uuidString)"
            let headers = [("Content-Type", "application/json"), ("X-Request-ID", requestID), ("X-Custom", "value-\(index)")]
            let direct = try await HTTPTestClient.send("\(upstream.url)/api/echo", headers: headers, body: body)
            let proxied = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: headers, body: body)
            #expect(proxied.status == direct.status)
            #expect(proxied.body == direct.body)
            #expect(HTTPTestClient.endToEnd(proxied.headers) == HTTPTestClient.endToEnd(direct.headers))
            #expect(proxied.headers.first(name: "X-Request-ID") == requestID)
            #expect(proxied.headers.first(name: "X-Upstream-Saw-Request-ID") == requestID)
            #expect(proxied.headers.first(name: "X-Upstream-Saw-Forwarded-For") == "127.0.0.1")
            captured.append((requestID, body, proxied.body))
        }
        for index in 0..<2 {
            let body = Self.json(bytes: 1 << 20, seed: 100 + index)
            let proxied = try await HTTPTestClient.send(
                "\(producer.proxyURL)/internal/echo",
                headers: [("Content-Type", "application/json"), ("X-Request-ID", "uncaptured-\(index)")],
                body: body
            )
            #expect(proxied.body == body)
            #expect(proxied.headers.first(name: "X-Request-ID") == nil)
        }

        var records: [ByteBuffer] = []
        for exchange in captured {
            let received = try await collector.envelope(requestID: exchange.requestID)
            let record = received.record
            #expect(record.route == "/api/**")
            #expect(record.method == "POST")
            #expect(record.status == 200)
            #expect(record.outcome == .completed)
            #expect(record.request.body.encoding == .json)
            #expect(record.request.body.data == exchange.request)
            #expect(record.response.body.data == exchange.response)
            #expect(record.request.body.sha256 == Self.sha256(exchange.request))
            #expect(record.response.body.sha256 == Self.sha256(exchange.response))
            #expect(record.request.body.size == exchange.request.readableBytes)
            #expect(!record.request.body.truncated)
            #expect(received.envelope.source == "audit-producer/integration-test")
            #expect(received.key == record.exchangeID)
            #expect(UUIDv7.isValid(record.exchangeID))
            records.append(received.envelope.data)
        }
        try await producer.waitUntilDrained(timeout: .seconds(30))
        try await collector.waitUntilCaughtUp()
        let all = collector.all
        #expect(all.count == captured.count, "every captured exchange once, uncaptured ones never: \(all.map(\.record.requestID))")
        #expect(collector.decodeFailures.isEmpty, "\(collector.decodeFailures)")
        try await Self.validateAgainstSchema(records)

        try await collector.stop()
        #expect(await producer.terminate() == 0)
    }
}
