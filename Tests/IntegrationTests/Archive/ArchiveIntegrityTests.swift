import AuditArchive
import AuditEnvelope
import Foundation
import Kafka
import NIOCore
import Synchronization
import Testing

/// The hardened consumer against the real broker: hostile records on the topic, a second writer
/// on one archive, history rewritten with recomputed hashes, the witness, and hostile archive
/// files for the readers.
@Suite("Archive integrity through the real broker", .serialized, .fixtures)
struct ArchiveIntegrityTests {
    static var python: String { ProjectPaths.python }
    static var attacker: String { ProjectPaths.fixture("archive_attacker.py") }

    static func chunkRecord(topic: String, partition: Int32, id: String, index: String, count: String, total: String, value: ByteBuffer, extraHeaders: [KafkaHeader] = []) -> KafkaProducerMessage {
        KafkaProducerMessage(topic: topic, partition: partition, key: ByteBuffer(string: id), value: value, headers: [
            KafkaHeader(key: EnvelopeChunker.idHeader, string: id),
            KafkaHeader(key: EnvelopeChunker.indexHeader, string: index),
            KafkaHeader(key: EnvelopeChunker.countHeader, string: count),
            KafkaHeader(key: EnvelopeChunker.totalBytesHeader, string: total),
        ] + extraHeaders)
    }

    /// Every dead letter under `root`.
    static func deadLetters(root: String) throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        for entry in try ArchiveCatalog.scan(root: root).entries where entry.kinds.contains(.deadLetters) {
            try SegmentReader.forEachLine(inFileAt: entry.path(.deadLetters)) { line in
                if let letter = try? JSONDecoder().decode(DeadLetter.self, from: Data(line.readableBytesView)) { letters.append(letter) }
            }
        }
        return letters
    }

    @Test("hostile records before 200 real exchanges: the consumer never restarts, every exchange is archived once, the hostile ones are dead-lettered, verify and cat pass")
    func hostileRecords() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-hostile")
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let small = ByteBuffer(string: "{}")
        var hostile: [KafkaProducerMessage] = [
            // The record of the report: one chunk announcing 5 GB.
            Self.chunkRecord(topic: topic, partition: 0, id: "five-gigabytes", index: "0", count: "1", total: "5000000000", value: small),
            Self.chunkRecord(topic: topic, partition: 1, id: "absurd-count", index: "0", count: "9223372036854775807", total: "10", value: small),
            Self.chunkRecord(topic: topic, partition: 2, id: "absurd-index", index: "99", count: "2", total: "10", value: small),
            Self.chunkRecord(topic: topic, partition: 0, id: "negative-total", index: "0", count: "2", total: "-5", value: small),
            Self.chunkRecord(topic: topic, partition: 1, id: "over-the-limit", index: "0", count: "2", total: "3000000", value: small),
        ]
        // A valid envelope whose JSON has line breaks between tokens.
        let spread = ArchiveHarness.envelope(index: 9_999)
        var spreadData = String(buffer: spread.data)
        spreadData = spreadData.replacingOccurrences(of: ",\"method\"", with: ",\n\"method\"").replacingOccurrences(of: "{\"", with: "{\r\n\"")
        hostile.append(KafkaProducerMessage(
            topic: topic, partition: 2, key: ByteBuffer(string: spread.id), value: ByteBuffer(string: spreadData),
            headers: KafkaBinaryCodec.headers(for: spread).map { KafkaHeader(key: $0.name, string: $0.value) }
        ))
        // 120 chunk sets that never complete, each with a 20 KB header: past the 1 MiB / 50-set
        // budget the oldest are evicted, the rest time out; all are dead-lettered.
        let padding = KafkaHeader(key: "padding", string: String(repeating: "h", count: 20_000))
        for set in 0..<120 {
            hostile.append(Self.chunkRecord(topic: topic, partition: Int32(set % 3), id: "never-complete-\(set)", index: "0", count: "2", total: "20", value: ByteBuffer(string: "0123456789"), extraHeaders: [padding]))
        }
        for message in hostile { _ = try await producer.send(message) }
        var expected = try await ArchiveHarness.produce(0..<200, to: topic, producer: producer)

        let consumer = try await ArchiveHarness.startConsumer(
            topic: topic, group: "archive-hostile-\(UUID().uuidString.prefix(8))", root: root,
            arguments: ["--max-envelope-bytes", "2MiB", "--max-pending-chunk-bytes", "2MiB", "--max-pending-chunk-sets", "50", "--chunk-timeout", "3"]
        )
        defer { consumer.kill() }
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(90))
        // Sets that time out on a partition with no new record wait for its next record to be
        // written (their offsets stay uncommitted meanwhile): traffic goes on once the 3 s chunk
        // timeout has passed (a wait for a configured time, not a synchronization).
        try await Task.sleep(for: .seconds(4))
        expected += try await ArchiveHarness.produce(200..<230, to: topic, producer: producer)
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))
        // A rebalance under load (the broker slow to answer heartbeats) re-reads the carried chunks
        // and restarts their timeout; they are then written with their partition's next record.
        // So traffic goes on, a few exchanges every few seconds, until every set is dead-lettered.
        let deadline = ContinuousClock.now + .seconds(60)
        while try await consumer.metric("auditshipper_archive_dead_letters_total") < Double(hostile.count), ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(4))
            expected += try await ArchiveHarness.produce(expected.count..<expected.count + 8, to: topic, producer: producer)
        }
        await producer.close()
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))
        #expect(
            try await consumer.metric("auditshipper_archive_dead_letters_total") == Double(hostile.count),
            "\(consumer.log.split(separator: "\n").filter { $0.contains("partitions") }.joined(separator: "\n"))"
        )
        #expect(await consumer.terminate() == 0, "the consumer died on the way:\n\(consumer.log.suffix(3000))")
        #expect(!consumer.log.contains("Fatal error"))

        let (duplicates, missing) = ConsumerArchiveTests.compare(archived: try ArchiveHarness.archivedIDs(root: root), expected: expected)
        #expect(duplicates.isEmpty && missing.isEmpty, "duplicated \(duplicates.count), missing \(missing.count)")
        let letters = try Self.deadLetters(root: root)
        #expect(letters.count == hostile.count)
        let reasons = letters.map(\.reason).joined(separator: "\n")
        for needle in ["5000000000", "9223372036854775807 chunks", "index 99", "not a non-negative number", "over the 2097152-byte envelope limit", "line break", "evicted", "missing chunks after"] {
            #expect(reasons.contains(needle), "no dead letter says '\(needle)'")
        }
        #expect(letters.filter { $0.kind == .incompleteChunkSet }.count == 120)

        let verify = try await ArchiveHarness.cli(["verify", root])
        #expect(verify.status == 0, "\(String(decoding: verify.standardOutput, as: UTF8.self))")
        #expect(String(decoding: verify.standardOutput, as: UTF8.self).contains("\(hostile.count) dead letters"))
        let cat = try await ArchiveHarness.cli(["cat", root])
        #expect(cat.status == 0, "\(cat.standardError)")
        #expect(String(decoding: cat.standardOutput, as: UTF8.self).split(separator: "\n").count == expected.count)
    }

    @Test("a second consumer group on the same archive directory is refused for the partitions the first holds, takes them once the first is gone, and the archive verifies")
    func secondWriterRefused() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-lock")
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        var expected = try await ArchiveHarness.produce(0..<100, to: topic, producer: producer)
        let first = try await ArchiveHarness.startConsumer(topic: topic, group: "archive-lock-a-\(UUID().uuidString.prefix(8))", root: root)
        defer { first.kill() }
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))

        let second = try await ArchiveHarness.startConsumer(topic: topic, group: "archive-lock-b-\(UUID().uuidString.prefix(8))", root: root)
        defer { second.kill() }
        try await second.waitForMetric("auditshipper_archive_partition_lock_refusals_total", atLeast: 3)
        #expect(second.log.contains("partition refused: another writer holds its lock"))
        #expect(second.log.contains("pid "), "the refusal names the holder")
        let readiness = try await HTTPTestClient.send("\(second.adminURL)/readyz", method: .GET)
        #expect(String(buffer: readiness.body).contains("refused"))

        expected += try await ArchiveHarness.produce(100..<200, to: topic, producer: producer)
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))
        #expect(await first.terminate() == 0)

        // The first writer gone, the second takes its partitions over and archives what follows.
        expected += try await ArchiveHarness.produce(200..<300, to: topic, producer: producer)
        await producer.close()
        let all = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(90))
        #expect(all.count == expected.count, "the second writer did not take the freed partitions over:\n\(second.log.suffix(2000))")
        #expect(second.log.contains("rejoining the group"))
        #expect(await second.terminate() == 0)
        let (duplicates, missing) = ConsumerArchiveTests.compare(archived: try ArchiveHarness.archivedIDs(root: root), expected: expected)
        #expect(duplicates.isEmpty && missing.isEmpty, "duplicated \(duplicates.count), missing \(missing.count)")
        let verify = try await ArchiveHarness.cli(["verify", root])
        #expect(verify.status == 0, "\(String(decoding: verify.standardOutput, as: UTF8.self))")
    }

    @Test("signed and witnessed: a rewrite with recomputed hashes fails verify --public-key; deleting the newest segment fails verify --witness; a gzip bomb and a symlink are reported with bounded memory")
    func signedAndWitnessed() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-signed")
        let witnessTopic = IntegrationBroker.uniqueTopic("archive-witness")
        let root = ArchiveHarness.temporaryRoot()
        let keys = ArchiveHarness.temporaryRoot()
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: keys)
        }
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        let keygen = try await ArchiveHarness.cli(["keygen", "--out", "\(keys)/archive"])
        #expect(keygen.status == 0, "\(keygen.standardError)")
        let mode = try FileManager.default.attributesOfItem(atPath: "\(keys)/archive.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await ArchiveHarness.cli(["keygen", "--out", "\(keys)/archive"]).status != 0, "keygen overwrote a key")

        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let expected = try await ArchiveHarness.produce(0..<90, to: topic, producer: producer, largeEvery: 1_000)
        await producer.close()
        let consumer = try await ArchiveHarness.startConsumer(
            topic: topic, group: "archive-signed-\(UUID().uuidString.prefix(8))", root: root,
            arguments: ["--signing-key", "\(keys)/archive.key", "--checkpoint-topic", witnessTopic, "--segment-max-records", "10"]
        )
        defer { consumer.kill() }
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))
        #expect(await consumer.terminate() == 0)
        #expect(consumer.log.contains("signing.keyID"))

        let brokers = try IntegrationBroker.bootstrapServers().joined(separator: ",")
        let checks = ["--public-key", "\(keys)/archive.pub", "--witness", brokers, "--checkpoint-topic", witnessTopic]
        let clean = try await ArchiveHarness.cli(["verify", root] + checks)
        let cleanText = String(decoding: clean.standardOutput, as: UTF8.self)
        #expect(clean.status == 0, "\(cleanText)\(clean.standardError)")
        let catalog = try ArchiveCatalog.scan(root: root)
        let segments = catalog.entries.filter { $0.kinds.contains(.manifest) }.count
        #expect(cleanText.contains("\(segments) signatures valid") && cleanText.contains("\(segments) witness checkpoints compared"), "\(cleanText)")

        let chain = Dictionary(grouping: catalog.entries) { $0.name.partition }.values.max { $0.count < $1.count } ?? []
        #expect(chain.count >= 3, "need a partition with three segments")
        guard chain.count >= 3 else { return }
        let copy = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        func freshCopy() throws -> String {
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: root, toPath: copy)
            return copy
        }
        func inCopy(_ entry: ArchiveCatalog.Entry, _ kind: SegmentFileName.Kind) -> String {
            entry.path(kind).replacingOccurrences(of: root, with: copy)
        }

        // History rewritten with every hash and link recomputed: only the signatures tell.
        _ = try freshCopy()
        let middle = chain[chain.count / 2]
        _ = try await ProcessRunner.run([Self.python, Self.attacker, "rewrite", copy, inCopy(middle, .manifest)])
        let unkeyed = try await ArchiveHarness.cli(["verify", copy])
        #expect(unkeyed.status == 0, "the rewrite should defeat hashes and links alone: \(String(decoding: unkeyed.standardOutput, as: UTF8.self))")
        let keyed = try await ArchiveHarness.cli(["verify", copy, "--public-key", "\(keys)/archive.pub"])
        let keyedText = String(decoding: keyed.standardOutput, as: UTF8.self)
        #expect(keyed.status == 1)
        #expect(keyedText.contains(middle.name.fileName(.manifest)) && keyedText.contains("signature does not verify"), "\(keyedText)")

        // The newest segment and its manifest deleted: a consistent, signed, shorter chain.
        _ = try freshCopy()
        let newest = chain[chain.count - 1]
        for kind in newest.kinds { try FileManager.default.removeItem(atPath: inCopy(newest, kind)) }
        #expect(try await ArchiveHarness.cli(["verify", copy, "--public-key", "\(keys)/archive.pub"]).status == 0)
        let witnessed = try await ArchiveHarness.cli(["verify", copy] + checks)
        let witnessedText = String(decoding: witnessed.standardOutput, as: UTF8.self)
        #expect(witnessed.status == 1)
        #expect(witnessedText.contains("no longer holds") && witnessedText.contains(newest.name.base), "\(witnessedText)")

        // A gzip bomb (1 GiB of zeros, no line break) and a symlinked segment: reported, and
        // memory stays bounded.
        _ = try freshCopy()
        let bombed = chain[0]
        _ = try await ProcessRunner.run([Self.python, Self.attacker, "bomb", inCopy(bombed, .segment), "1024"], timeout: .seconds(120))
        let linked = chain[1]
        try FileManager.default.removeItem(atPath: inCopy(linked, .segment))
        try FileManager.default.createSymbolicLink(atPath: inCopy(linked, .segment), withDestinationPath: "/dev/zero")
        let bounded = try await ProcessRunner.outcome([Self.python, Self.attacker, "rss", try ServiceProcess.binary("audit-archive"), "verify", copy], timeout: .seconds(120))
        let boundedText = String(decoding: bounded.standardOutput, as: UTF8.self)
        #expect(bounded.status == 1)
        #expect(boundedText.contains(bombed.name.fileName(.segment)) && boundedText.contains("inflates past"), "\(boundedText)")
        #expect(boundedText.contains(linked.name.fileName(.segment)) && boundedText.contains("symbolic link"), "\(boundedText)")
        let peak = bounded.standardError.split(separator: "\n").last { $0.hasPrefix("peak-rss-kib") }.flatMap { Int($0.split(separator: " ").last ?? "") }
        #expect((peak ?? .max) < 200 * 1024, "verify peaked at \(peak ?? -1) KiB")
        let cat = try await ArchiveHarness.cli(["cat", copy])
        #expect(cat.status == 1)
        #expect(cat.standardError.contains("symbolic link"))
        #expect(String(decoding: cat.standardOutput, as: UTF8.self).split(separator: "\n").count >= expected.count - 20)
    }
}
