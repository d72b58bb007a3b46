import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

/// Evidence bundles of exchanges archived by the real pipeline (client → audit-producer → Kafka →
/// audit-consumer, signed and witnessed), checked by `check-proof` and by a Python checker
/// written from RFC 9162's text.
@Suite("Evidence bundles from the real pipeline", .serialized, .fixtures)
struct EvidenceTests {
    static var checker: String { ProjectPaths.fixture("evidence_checker.py") }

    /// `check-proof` and the Python checker on `bundle`: their exit statuses and the checker's
    /// output (the proven line).
    static func checkBoth(_ bundle: EvidenceBundle, key: String, name: String) async throws -> (tool: Int32, python: Int32, line: Data, toolError: String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(name)-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try bundle.encoded().write(to: URL(fileURLWithPath: path))
        let tool = try await ArchiveHarness.cli(["check-proof", path, "--public-key", key])
        let python = try await ProcessRunner.outcome([ProjectPaths.python, checker, path, key], timeout: .seconds(60))
        return (tool.status, python.status, python.standardOutput, tool.standardError)
    }

    @Test("a bundle of an archived exchange checks with check-proof and the Python checker, holds no other exchange, gives the client's exact body; a flipped byte of the line, path, root or signature fails both")
    func bundleFromPipeline() async throws {
        let topic = IntegrationBroker.uniqueTopic("evidence")
        let witnessTopic = IntegrationBroker.uniqueTopic("evidence-witness")
        let brokers = try IntegrationBroker.bootstrapServers().joined(separator: ",")
        let root = ArchiveHarness.temporaryRoot()
        let keys = try await ArchiveHarness.temporaryKeys("archive")
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: keys)
        }
        let publicKey = "\(keys)/archive.pub"
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let producer = try await ProducerProcess.start(arguments: [
            "--upstream", upstream.url, "--route", "POST /api/**", "--kafka-brokers", brokers,
            "--kafka-topic", topic, "--spool-dir", ProducerProcess.temporarySpool(),
            // One partition for all, and no periodic mark among them: one segment of six.
            "--key-header", "X-Tenant", "--mark-interval", "3600",
        ])
        defer { producer.kill() }
        let consumer = try await ArchiveHarness.startConsumer(
            topic: topic, group: "evidence-\(UUID().uuidString.prefix(8))", root: root,
            arguments: ["--signing-key", "\(keys)/archive.key", "--checkpoint-topic", witnessTopic, "--segment-max-records", "6", "--segment-max-open", "120"]
        )
        defer { consumer.kill() }

        var bodies: [String: ByteBuffer] = [:]
        for index in 0..<6 {
            let requestID = "evidence-\(index)-\(UUID().uuidString)"
            let body = index == 5
                ? ByteBuffer(string: #"{"user":"ada","password":"Sx-evidence-secret-5","amount":12}"#)
                : ProxyCaptureTests.json(bytes: 200_000, seed: index)
            bodies[requestID] = body
            let reply = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [("Content-Type", "application/json"), ("X-Request-ID", requestID), ("X-Tenant", "t")], body: body)
            #expect(reply.status == 200)
        }
        let archived = try await ArchiveHarness.waitForArchive(root: root, count: bodies.count, timeout: .seconds(60))
        #expect(archived.count == bodies.count)
        #expect(await consumer.terminate() == 0)

        let requestIDs = bodies.keys.sorted()
        // An exchange sharing its segment with another (six in one segment, or two if an hour
        // began meanwhile), so that its audit path is not empty.
        var segmentOf: [String: String] = [:]
        try ArchiveQuery.forEach(in: root, filter: ExchangeFilter(), decodeRecords: true, onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
            if let record = exchange.record { segmentOf[record.requestID] = exchange.segmentPath }
            return .proceed
        }
        let wanted = try #require(requestIDs.first { id in
            !id.hasPrefix("evidence-5-") && segmentOf.values.filter { $0 == segmentOf[id] }.count >= 2
        })
        let bundlePath = "\(keys)/exchange.evidence.json"
        let prove = try await ArchiveHarness.cli([
            "prove", root, "--request-id", wanted, "--out", bundlePath, "--public-key", publicKey,
            "--witness", brokers, "--checkpoint-topic", witnessTopic,
        ])
        #expect(prove.status == 0, "\(prove.standardError)")
        let bundle = try EvidenceBundle.read(fromFile: bundlePath)
        #expect(bundle.witness != nil)
        #expect(bundle.treeSize >= 2 && !bundle.auditPath.isEmpty, "\(bundle.treeSize) leaves")
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: bundlePath)), as: UTF8.self)
        for other in requestIDs where other != wanted {
            #expect(!text.contains(other) && !String(decoding: bundle.line, as: UTF8.self).contains(other), "the bundle holds another exchange: \(other)")
        }
        let schema = try await ProcessRunner.outcome([ProjectPaths.python, "\(ProjectPaths.root)/schemas/validate.py", "--schema", "evidence-bundle-v1", bundlePath], timeout: .seconds(60))
        #expect(schema.status == 0, "\(String(decoding: schema.standardOutput, as: UTF8.self))")

        let checked = try await ArchiveHarness.cli(["check-proof", bundlePath, "--public-key", publicKey, "--body", "request"])
        #expect(checked.status == 0, "\(checked.standardError)")
        #expect(checked.standardError.contains("proof holds") && checked.standardError.contains(wanted) && checked.standardError.contains("witnessed"), "\(checked.standardError)")
        #expect(checked.standardOutput == Data(try #require(bodies[wanted]).readableBytesView), "check-proof --body request is not the bytes the client sent")
        let both = try await Self.checkBoth(bundle, key: publicKey, name: "clean")
        #expect(both.tool == 0 && both.python == 0, "\(both.toolError)")
        let proven = try #require(try JSONSerialization.jsonObject(with: both.line) as? [String: Any])
        let requestBody = ((proven["data"] as? [String: Any])?["request"] as? [String: Any])?["body"] as? [String: Any]
        #expect(requestBody?["sha256"] as? String == ArchiveDigest.sha256(try #require(bodies[wanted])), "the Python checker's proven line commits to the client's bytes")

        // Tampering with the line, a path hash, the root in the signed manifest, or the signature.
        var tampered: [(String, EvidenceBundle)] = []
        var line = bundle
        line.line[line.line.count / 2] ^= 0x01
        tampered.append(("line", line))
        var path = bundle
        let first = path.auditPath[0]
        path.auditPath[0] = (first.first == "0" ? "1" : "0") + first.dropFirst()
        tampered.append(("audit path", path))
        var rootChanged = bundle
        let signedText = String(decoding: bundle.manifest.signed, as: UTF8.self)
        let recordedRoot = try #require(try SegmentManifest.decode(ByteBuffer(bytes: bundle.manifest.signed), path: "signed").merkleRoot)
        let forgedRoot = (recordedRoot.first == "0" ? "1" : "0") + recordedRoot.dropFirst()
        rootChanged.manifest.signed = Data(signedText.replacingOccurrences(of: recordedRoot, with: forgedRoot).utf8)
        #expect(rootChanged.manifest.signed != bundle.manifest.signed)
        tampered.append(("root", rootChanged))
        var signature = bundle
        var signatureBytes = try #require(Data(base64Encoded: bundle.manifest.signature.value))
        signatureBytes[0] ^= 0x01
        signature.manifest.signature.value = signatureBytes.base64EncodedString()
        tampered.append(("signature", signature))
        for (what, changed) in tampered {
            let outcome = try await Self.checkBoth(changed, key: publicKey, name: what)
            #expect(outcome.tool == 1 && outcome.python == 1, "a flipped byte of the \(what): check-proof \(outcome.tool), Python \(outcome.python)")
            #expect(outcome.toolError.contains("proof fails"), "\(outcome.toolError)")
        }

        // Redacted values stay out of the bundle, which says what was redacted.
        let redactedID = try #require(requestIDs.first { $0.hasPrefix("evidence-5-") })
        let redactedPath = "\(keys)/redacted.evidence.json"
        let redactedProve = try await ArchiveHarness.cli(["prove", root, "--request-id", redactedID, "--out", redactedPath])
        #expect(redactedProve.status == 0, "\(redactedProve.standardError)")
        let redacted = try EvidenceBundle.read(fromFile: redactedPath)
        #expect(redacted.redactions.contains { $0.contains("password") }, "\(redacted.redactions)")
        #expect(!String(decoding: redacted.line, as: UTF8.self).contains("Sx-evidence-secret-5"))
        let redactedBoth = try await Self.checkBoth(redacted, key: publicKey, name: "redacted")
        #expect(redactedBoth.tool == 0 && redactedBoth.python == 0, "\(redactedBoth.toolError)")
        #expect(try await ArchiveHarness.cli(["prove", root, "--request-id", redactedID, "--out", redactedPath]).status == 2, "prove overwrote a bundle")
        #expect(await producer.terminate() == 0)
    }
}
