import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing
import TestSupport

/// Redaction end to end with the default settings: secrets sent every way a client can send them
/// reach neither the Kafka records (read back with kcat) nor the archive (read back with
/// `audit-archive cat`); compressed bodies are decoded within limits; `body --request-id` finds
/// an exchange by the request id the app logged.
@Suite("Redaction through the real broker and archive", .serialized, .fixtures)
struct RedactionTests {
    struct Leak: Sendable {
        var requestID: String
        var secret: String
        var path = "/api/echo"
        var query = ""
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        var body: [UInt8] = Array(#"{"n":1}"#.utf8)
    }

    static func json(_ id: String, _ secret: String, _ text: String, contentType: String = "application/json") -> Leak {
        Leak(requestID: id, secret: secret, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// A body whose only secret is a three-digit CVV: the brute-force case.
    static let cvvBody = #"{"card":{"last4":"1111","cvv":"042"},"amount":12}"#
    static let digestKey = Array("integration digest key, 32+ bytes long".utf8)

    static let leaks: [Leak] = [
        json("leak-pascal", "Sx-pascal-1", #"{"Password":"Sx-pascal-1"}"#),
        json("leak-escaped", "Sx-escaped-2", #"{"pass\u0077ord":"Sx-escaped-2"}"#),
        json("leak-nested", "Sx-nested-3", #"{"a":[[{"refresh_token":"Sx-nested-3"}]]}"#),
        json("leak-form", "Sx-form-4", "user=ann&password=Sx-form-4", contentType: "application/x-www-form-urlencoded"),
        json("leak-ndjson", "Sx-ndjson-5", "{\"a\":1}\n{\"secret\":\"Sx-ndjson-5\"}\n", contentType: "application/x-ndjson"),
        json("leak-text", "Sx-text-6", #"{"apiKey":"Sx-text-6"}"#, contentType: "text/plain"),
        json("leak-truncated", "Sx-truncated-7", #"{"password":"Sx-truncated-7","pad":""# + String(repeating: "p", count: 80_000) + #""}"#),
        Leak(requestID: "leak-query", secret: "Sx-query-8", query: "?api_key=Sx-query-8&page=2"),
        Leak(requestID: "leak-referer", secret: "Sx-referer-9", headers: [("Content-Type", "application/json"), ("Referer", "https://app.example/?access_token=Sx-referer-9")]),
        Leak(requestID: "leak-location", secret: UpstreamApp.locationSecret, path: "/api/redirect"),
        Leak(requestID: "leak-header", secret: "Sx-header-11", headers: [("Content-Type", "application/json"), ("X-Auth-Token", "Sx-header-11")]),
        Leak(requestID: "leak-gzip", secret: "Sx-gzip-12", headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
             body: Compression.compress(Array(#"{"password":"Sx-gzip-12","n":1}"#.utf8), format: .gzip)),
        json("leak-cvv", "\"042\"", Self.cvvBody),
        json("leak-cut-secret", "Sx-cut-14", #"{"a":1,"token":"Sx-cut-14"# + String(repeating: "s", count: 80_000) + #""}"#),
        Leak(requestID: "leak-deflate", secret: "Sx-deflate-13", headers: [("Content-Type", "application/json"), ("Content-Encoding", "deflate")],
             body: Compression.compress(Array(#"{"client_secret":"Sx-deflate-13"}"#.utf8), format: .zlib)),
    ]

    @Test("no secret of the leak table reaches the Kafka records or the archive; body --request-id returns exact bytes")
    func leakTable() async throws {
        let topic = IntegrationBroker.uniqueTopic("redact")
        let brokers = try IntegrationBroker.bootstrapServers().joined(separator: ",")
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString).key").path
        try Data(Self.digestKey).write(to: URL(fileURLWithPath: keyFile))
        let producer = try await ProducerProcess.start(arguments: [
            "--upstream", upstream.url, "--route", "POST /api/**", "--kafka-brokers", brokers, "--kafka-topic", topic,
            "--spool-dir", ProducerProcess.temporarySpool(), "--capture-limit", "64KiB", "--digest-key-file", keyFile,
            // kcat reads the first records of the topic: no periodic mark among them.
            "--mark-interval", "3600",
        ])
        let plain = ByteBuffer(string: #"{"order":42,"items":[1,2,3]}"#)
        for leak in Self.leaks {
            let reply = try await HTTPTestClient.send("\(producer.proxyURL)\(leak.path)\(leak.query)", headers: leak.headers + [("X-Request-ID", leak.requestID)],
                                                      body: ByteBuffer(bytes: leak.body))
            #expect(reply.status == 200, "\(leak.requestID)")
            if leak.path == "/api/echo" {
                #expect(Array(reply.body.readableBytesView) == leak.body, "\(leak.requestID): the client gets the response unchanged")
            } else {
                #expect(reply.headers["Location"].first?.contains(leak.secret) == true, "the client gets the Location unchanged")
            }
        }
        _ = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [("Content-Type", "application/json"), ("X-Request-ID", "plain-1")], body: plain)
        let count = Self.leaks.count + 1

        // A peer client's view of the topic: every header and value byte. Publishing is
        // asynchronous, so kcat waits for all the records (-c) instead of stopping at the end (-e).
        let dump = try await ProcessRunner.run([
            "kcat", "-C", "-b", brokers, "-t", topic, "-o", "beginning", "-c", String(count), "-q", "-f", "%k %h %s\n",
        ], timeout: .seconds(60))
        let records = String(decoding: dump, as: UTF8.self)
        #expect(records.contains("plain-1"), "kcat read the topic")
        for leak in Self.leaks {
            #expect(records.contains(leak.requestID), "\(leak.requestID) reached Kafka")
            #expect(!records.contains(leak.secret), "\(leak.requestID): the secret is in the Kafka record")
        }

        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let consumer = try await ArchiveHarness.startConsumer(topic: topic, group: "redact-\(UUID().uuidString.prefix(8))", root: root)
        var archived = ""
        for _ in 0..<120 {
            try await Task.sleep(for: .milliseconds(500))
            archived = String(decoding: (try? await ArchiveHarness.cli(["cat", root]))?.standardOutput ?? Data(), as: UTF8.self)
            if archived.split(separator: "\n").count >= count { break }
        }
        #expect(await consumer.terminate() == 0)
        #expect(archived.split(separator: "\n").count == count)
        for leak in Self.leaks {
            #expect(!archived.contains(leak.secret), "\(leak.requestID): the secret is in the archive")
        }

        try Self.bruteForce(root: root)

        let body = try await ArchiveHarness.cli(["body", root, "--request-id", "plain-1", "--response"])
        #expect(body.status == 0, "\(body.standardError)")
        #expect(Array(body.standardOutput) == Array(plain.readableBytesView), "the exact response bytes")
        let decoded = try await ArchiveHarness.cli(["body", root, "--request-id", "leak-gzip", "--request"])
        #expect(decoded.status == 0, "the stored (decoded, redacted) bytes match their recorded digest: \(decoded.standardError)")
        #expect(String(decoding: decoded.standardOutput, as: UTF8.self) == #"{"password":"[REDACTED]","n":1}"#)
        // A JSON body cut at the capture limit keeps its prefix, redacted up to the cut.
        let prefix = try await ArchiveHarness.cli(["body", root, "--request-id", "leak-truncated", "--request"])
        #expect(prefix.status == 0, "\(prefix.standardError)")
        #expect(String(decoding: prefix.standardOutput, as: UTF8.self).hasPrefix(#"{"password":"[REDACTED]","pad":"ppp"#))
        #expect(prefix.standardOutput.count > 60_000, "the prefix is stored, not withheld: \(prefix.standardOutput.count) bytes")
        let cutInSecret = try await ArchiveHarness.cli(["body", root, "--request-id", "leak-cut-secret", "--request"])
        #expect(String(decoding: cutInSecret.standardOutput, as: UTF8.self) == #"{"a":1,"token":"[REDACTED]""#)
        let missing = try await ArchiveHarness.cli(["body", root, "--request-id", "no-such-request", "--response"])
        #expect(missing.status == 1)
        #expect(await producer.terminate() == 0)
    }

    @Test("a gzip bomb (1 GB of zeros) on a captured route: the response is unaffected, the producer's memory stays bounded, the envelope says why the body was not decoded")
    func gzipBomb() async throws {
        let topic = IntegrationBroker.uniqueTopic("bomb")
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let producer = try await ProducerProcess.start(arguments: [
            "--upstream", upstream.url, "--route", "POST /api/**",
            "--kafka-brokers", try IntegrationBroker.bootstrapServers().joined(separator: ","), "--kafka-topic", topic,
            "--spool-dir", ProducerProcess.temporarySpool(),
        ])
        let collector = try EnvelopeCollector(topic: topic)
        let bomb = Compression.compress(repeating: [UInt8](repeating: 0, count: 1 << 20), times: 1024, format: .gzip)
        let before = try producer.peakResidentMiB()
        let reply = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo",
                                                  headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), ("X-Request-ID", "bomb-1")],
                                                  body: ByteBuffer(bytes: bomb))
        #expect(reply.status == 200)
        #expect(Array(reply.body.readableBytesView) == bomb, "the response is the upstream's, byte for byte")
        let received = try await collector.envelope(requestID: "bomb-1")
        let after = try producer.peakResidentMiB()
        print("gzip bomb: \(bomb.count) bytes on the wire; producer peak RSS \(before) MiB before, \(after) MiB after")
        #expect(after - before < 64, "decoding is bounded by the capture limit (4 MiB), not the bomb's 1 GB")
        for body in [received.record.request.body, received.record.response.body] {
            #expect(body.decoded == nil)
            #expect(body.decodeError?.contains("decodes to more than") == true, "\(body.decodeError ?? "no reason")")
            #expect(body.size == bomb.count)
        }
        #expect(received.record.redactions.contains { $0.hasPrefix("request.body (withheld: content-encoded and not decoded") })
        try await collector.stop()
        #expect(await producer.terminate() == 0)
    }

    /// Given the archived redacted CVV exchange, none of the 1,000 three-digit values matches any
    /// digest in its envelope; with the key, the keyed digest matches the original body.
    static func bruteForce(root: String) throws {
        var found: ExchangeRecord?
        try ArchiveQuery.forEach(in: root, filter: { var filter = ExchangeFilter(); filter.requestID = "leak-cvv"; return filter }(), decodeRecords: true,
                                 onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
            found = exchange.record
            return .stop
        }
        let body = try #require(found).request.body
        #expect(String(buffer: body.data).contains("[REDACTED]"))
        let digests = [body.sha256, body.wireSha256, body.hmacSha256].compactMap { $0 }
        var confirmed: [Int] = []
        for guess in 0..<1000 {
            let candidate = Self.cvvBody.replacingOccurrences(of: "\"042\"", with: "\"\(String(format: "%03d", guess))\"")
            let digest = Array(candidate.utf8).withUnsafeBytes { SHA256Hasher.hash($0) }
            if digests.contains(digest.hex) { confirmed.append(guess) }
        }
        #expect(confirmed.isEmpty, "digests in the archived envelope confirm \(confirmed)")
        let original = Array(Self.cvvBody.utf8).withUnsafeBytes { SHA256Hasher.hash($0) }
        #expect(body.hmacSha256 == HMACSHA256.authenticationCode(of: original.bytes, key: Self.digestKey).hex, "the key holder proves the original")
    }
}
