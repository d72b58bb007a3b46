import AuditArchive
import AuditEnvelope
import Foundation
import Kafka
import NIOCore
import Testing

/// Records whose numbers nobody bounded, on a real topic, through the real consumer and the
/// `audit-archive` binaries: each is archived or dead-lettered, and nothing traps.
@Suite("Extreme numbers on the topic", .fixtures)
struct HostileTopicTests {
    @Test("an exchange and drop notices at sequence Int64.max, bodies of Int.max bytes and a record stamped 9.3e15 ms: the consumer dead-letters or archives each and keeps going; verify, stats and reconcile exit without a trap")
    func extremeNumbers() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-extreme")
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }

        func exchange(_ index: Int, sequence: Int64?, bodySize: Int? = nil) throws -> AuditEnvelope {
            var record = try ArchiveHarness.envelope(index: index).record()
            record.producer = "p1"
            record.sequence = sequence
            if let bodySize {
                record.request.body.size = bodySize
                record.response.body.size = bodySize
            }
            return AuditEnvelope(record: record, source: "archive-test")
        }
        let notice = { (first: Int64, last: Int64) in
            DropNotice(producer: "p1", firstSequence: first, lastSequence: last, reason: "queue_full", time: WallClock.microseconds()).envelope(source: "archive-test")
        }
        let archived = [try exchange(1, sequence: 1), try exchange(2, sequence: 2), try exchange(3, sequence: nil, bodySize: .max), try exchange(4, sequence: nil, bodySize: .max)]
        let refused = [try exchange(5, sequence: .max), notice(3, .max), notice(.max, .max)]
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        for envelope in archived + refused {
            let record = EnvelopeChunker.records(for: envelope, messageMaxBytes: 1_000_000)[0]
            _ = try await producer.send(KafkaProducerMessage(
                topic: topic, partition: 0, key: ByteBuffer(string: envelope.id), value: record.value,
                headers: record.headers.map { KafkaHeader(key: $0.name, string: $0.value) }
            ))
        }
        // A record that is not an envelope, stamped past the year 9999 (its milliseconds times
        // 1000 overflow 64 bits), sent by a client we did not write.
        let script = """
            import sys
            from confluent_kafka import Producer
            p = Producer({"bootstrap.servers": sys.argv[1]})
            p.produce(sys.argv[2], value=b"not an envelope", partition=0, timestamp=9300000000000000)
            assert p.flush(30) == 0
            """
        _ = try await ProcessRunner.run([ProjectPaths.python, "-c", script, try IntegrationBroker.bootstrapServers().joined(separator: ","), topic])
        var expected = archived.map(\.id)
        expected += try await ArchiveHarness.produce(0..<20, to: topic, producer: producer)
        await producer.close()

        let consumer = try await ArchiveHarness.startConsumer(
            topic: topic, group: "archive-extreme-\(UUID().uuidString.prefix(8))", root: root, arguments: ["--segment-max-records", "10"]
        )
        defer { consumer.kill() }
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(90))
        try await Waiting.until("4 dead letters", timeout: .seconds(60), detail: { consumer.log.suffix(2_000).description }) {
            try await consumer.metric("auditshipper_archive_dead_letters_total") >= 4
        }
        #expect(await consumer.terminate() == 0, "the consumer died on the way:\n\(consumer.log.suffix(3000))")
        #expect(!consumer.log.contains("Fatal error"))

        let (duplicates, missing) = ConsumerArchiveTests.compare(archived: try ArchiveHarness.archivedIDs(root: root), expected: expected)
        #expect(duplicates.isEmpty && missing.isEmpty, "duplicated \(duplicates), missing \(missing)")
        let letters = try ArchiveIntegrityTests.deadLetters(root: root)
        #expect(letters.count == 4, "\(letters.map(\.reason))")
        #expect(letters.contains { $0.reason.contains("sequence") }, "\(letters.map(\.reason))")
        #expect(letters.contains { $0.timestamp == nil && !$0.reason.contains("sequence") }, "the implausible timestamp is dropped: \(letters.map(\.reason))")

        for command in [["verify", root], ["stats", root], ["reconcile", root]] {
            let run = try await ArchiveHarness.cli(command)
            #expect(run.status == 0, "\(command[0]) exited \(run.status): \(String(decoding: run.standardOutput, as: UTF8.self).suffix(1_000)) \(run.standardError.suffix(1_000))")
        }

        // Then what someone who can write the archive plants: a manifest claiming Int.max
        // uncompressed bytes, and a segment under a directory the layout cannot hold as a topic
        // ('.planted'). Each reader reports them; none traps, and verify does not pass.
        let manifest = try #require(try ArchiveCatalog.scan(root: root).entries.first { $0.kinds.contains(.manifest) }).path(.manifest)
        let original = try String(contentsOfFile: manifest, encoding: .utf8)
        let inflated = original.replacingOccurrences(of: #""uncompressedBytes" *: *[0-9]+"#, with: #""uncompressedBytes":9223372036854775807"#, options: .regularExpression)
        try #require(inflated != original, "the manifest names its uncompressed size: \(original.prefix(300))")
        try inflated.write(toFile: manifest, atomically: true, encoding: .utf8)
        let planted = "\(root)/.planted/dt=2026-12-03/hour=10"
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true)
        try Data("not gzip".utf8).write(to: URL(fileURLWithPath: "\(planted)/.planted+0+00000000000000000000.jsonl.gz"))
        for command in ["verify", "cat", "stats", "reconcile"] {
            let run = try await ArchiveHarness.cli([command, root])
            let output = String(decoding: run.standardOutput, as: UTF8.self).suffix(2_000) + run.standardError.suffix(2_000)
            #expect([0, 1, 2].contains(run.status) && !output.contains("Fatal error"), "\(command) did not exit cleanly (\(run.status)): \(output)")
            if command == "verify" {
                #expect(run.status != 0 && output.contains(".planted") && output.contains("uncompressed"), "verify reports both: \(output)")
            }
        }
    }
}
