import AuditArchive
import AuditEnvelope
import Foundation
import Kafka
import NIOCore
import Testing

/// audit-consumer against the real broker: exactly-once archives through crashes and rebalances,
/// dead letters, and audit-archive verify on real and tampered archives.
@Suite("Consumer archives through the real broker", .serialized, .fixtures)
struct ConsumerArchiveTests {
    /// The ids that appear more than once, and those expected but absent.
    static func compare(archived: [String], expected: [String]) -> (duplicates: [String], missing: [String]) {
        var counts: [String: Int] = [:]
        for id in archived { counts[id, default: 0] += 1 }
        return (counts.filter { $0.value > 1 }.map(\.key), expected.filter { counts[$0] == nil })
    }

    @Test("5,000 exchanges while the consumer is SIGKILLed three times: each archived exactly once, verify passes")
    func killedConsumer() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-kill")
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let group = "archive-kill-\(UUID().uuidString.prefix(8))"
        let arguments = ["--segment-max-records", "150"]
        let (expected, consumer) = try await ArchiveHarness.produceWhileKilling(total: 5_000, to: topic, producer: producer, pause: .milliseconds(250)) {
            try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root, arguments: arguments)
        }
        defer { consumer.kill() }
        await producer.close()
        #expect(expected.count == 5_000)

        let archived = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(120))
        #expect(await consumer.terminate() == 0)
        let final = try ArchiveHarness.archivedIDs(root: root)
        let (duplicates, missing) = Self.compare(archived: final, expected: expected)
        #expect(archived.count >= expected.count)
        #expect(final.count == expected.count, "archived \(final.count) of \(expected.count)")
        #expect(duplicates.isEmpty, "duplicated: \(duplicates.prefix(5))")
        #expect(missing.isEmpty, "missing: \(missing.prefix(5))")

        let verify = try await ArchiveHarness.cli(["verify", root])
        let report = String(decoding: verify.standardOutput, as: UTF8.self)
        #expect(verify.status == 0, "\(report)\(verify.standardError)")
        #expect(report.contains("OK: ") && report.contains("\(expected.count) envelopes"))
    }

    @Test("two consumers share the partitions and a rebalance mid-run loses and duplicates nothing")
    func rebalance() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-rebalance")
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let group = "archive-rebalance-\(UUID().uuidString.prefix(8))"
        let expected = try await ArchiveHarness.produceThroughRebalance(topic: topic, producer: producer) { _ in
            try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root)
        } archivedCount: {
            try ArchiveHarness.archivedIDs(root: root).count
        }
        let (duplicates, missing) = Self.compare(archived: try ArchiveHarness.archivedIDs(root: root), expected: expected)
        #expect(duplicates.isEmpty, "duplicated: \(duplicates.prefix(5))")
        #expect(missing.isEmpty, "missing: \(missing.prefix(5))")
        let verify = try await ArchiveHarness.cli(["verify", root])
        #expect(verify.status == 0, "\(String(decoding: verify.standardOutput, as: UTF8.self))")

        try await Self.tamperings(root: root)
    }

    /// Flips a byte, deletes a segment, edits a manifest, each on a fresh copy: verify fails and
    /// names the file.
    static func tamperings(root: String) async throws {
        let catalog = try ArchiveCatalog.scan(root: root)
        let chain = Dictionary(grouping: catalog.entries) { $0.name.partition }.values.max { $0.count < $1.count }!
        #expect(chain.count >= 3, "need a partition with three segments")
        let middle = chain[chain.count / 2]
        let copyRoot = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: copyRoot) }

        func tampered(_ change: (ArchiveCatalog.Entry) throws -> Void) async throws -> String {
            try? FileManager.default.removeItem(atPath: copyRoot)
            try FileManager.default.copyItem(atPath: root, toPath: copyRoot)
            let copy = try ArchiveCatalog.scan(root: copyRoot).entries.first { $0.name == middle.name }!
            try change(copy)
            let verify = try await ArchiveHarness.cli(["verify", copyRoot])
            #expect(verify.status == 1)
            return String(decoding: verify.standardOutput, as: UTF8.self)
        }

        let flipped = try await tampered { entry in
            var bytes = try Data(contentsOf: URL(fileURLWithPath: entry.path(.segment)))
            bytes[bytes.count / 2] ^= 0x20
            try bytes.write(to: URL(fileURLWithPath: entry.path(.segment)))
        }
        #expect(flipped.contains(middle.name.fileName(.segment)) && flipped.contains("content changed"), "\(flipped)")

        let deleted = try await tampered { entry in
            try FileManager.default.removeItem(atPath: entry.path(.segment))
            try FileManager.default.removeItem(atPath: entry.path(.manifest))
        }
        #expect(deleted.contains("gap: offsets \(middle.name.startOffset)-"), "\(deleted)")
        #expect(deleted.contains("hash chain broken"), "\(deleted)")

        let edited = try await tampered { entry in
            let text = try String(contentsOfFile: entry.path(.manifest), encoding: .utf8)
            let changed = text.replacingOccurrences(of: "\"count\" : ", with: "\"count\" : 1")
            #expect(changed != text)
            try changed.write(toFile: entry.path(.manifest), atomically: false, encoding: .utf8)
        }
        #expect(edited.contains(middle.name.fileName(.manifest)), "\(edited)")
        #expect(edited.contains("hash chain broken"), "\(edited)")
    }

    @Test("the archive, not the group's committed offset, decides where a partition resumes")
    func resumesFromArchive() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-resume")
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let expected = try await ArchiveHarness.produce(0..<200, to: topic, producer: producer)
        await producer.close()
        let group = "archive-resume-\(UUID().uuidString.prefix(8))"
        let arguments = ["--segment-max-records", "20"]
        let first = try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root, arguments: arguments)
        defer { first.kill() }
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))
        #expect(await first.terminate() == 0)

        // The archive falls behind the group (say, restored from a backup): the newest segment of
        // every partition is gone while the group has committed past it.
        var removed = 0
        for entries in Dictionary(grouping: try ArchiveCatalog.scan(root: root).entries, by: { $0.name.partition }).values {
            let newest = entries.max { $0.name.startOffset < $1.name.startOffset }!
            for kind in newest.kinds { try FileManager.default.removeItem(atPath: newest.path(kind)) }
            removed += 1
        }
        #expect(removed >= 2)
        #expect(try ArchiveHarness.archivedIDs(root: root).count < expected.count)

        let second = try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root, arguments: arguments)
        defer { second.kill() }
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))
        #expect(await second.terminate() == 0)
        let (duplicates, missing) = Self.compare(archived: try ArchiveHarness.archivedIDs(root: root), expected: expected)
        #expect(duplicates.isEmpty, "duplicated: \(duplicates.prefix(5))")
        #expect(missing.isEmpty, "missing after resuming from the archive: \(missing.count)")
        #expect(try await ArchiveHarness.cli(["verify", root]).status == 0)
    }

    @Test("a record that is not an envelope lands in the dead-letter file and the consumer keeps going")
    func deadLetter() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-dead")
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        var expected = try await ArchiveHarness.produce(0..<10, to: topic, producer: producer)
        let garbage = try await producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: ByteBuffer(string: "{\"not\":\"an envelope\"}")))
        let consumer = try await ArchiveHarness.startConsumer(topic: topic, group: "archive-dead-\(UUID().uuidString.prefix(8))", root: root)
        defer { consumer.kill() }
        expected += try await ArchiveHarness.produce(10..<20, to: topic, producer: producer)
        await producer.close()
        let archived = try await ArchiveHarness.waitForArchive(root: root, count: 20, timeout: .seconds(60))
        #expect(Set(archived) == Set(expected))
        try await consumer.waitForMetric("auditshipper_archive_dead_letters_total", atLeast: 1)
        #expect(try await consumer.metric("auditshipper_archive_dead_letters_total") == 1)

        var letters: [DeadLetter] = []
        for entry in try ArchiveCatalog.scan(root: root).entries where entry.kinds.contains(.deadLetters) {
            try SegmentReader.forEachLine(inFileAt: entry.path(.deadLetters)) { line in
                letters.append(try! JSONDecoder().decode(DeadLetter.self, from: Data(line.readableBytesView)))
            }
        }
        #expect(letters.count == 1)
        #expect(letters.first?.partition == 0)
        #expect(letters.first?.offsets == [garbage.offset!])
        #expect(letters.first?.reason.contains("ce_specversion") == true)
        #expect(await consumer.terminate() == 0)
        let verify = try await ArchiveHarness.cli(["verify", root])
        #expect(verify.status == 0)
        #expect(String(decoding: verify.standardOutput, as: UTF8.self).contains("1 dead letters"))
    }
}
