import AuditArchive
import Foundation
import Kafka
import NIOCore
import Testing

/// A "next" manifest planted in the archive directory between two runs of the real consumer:
/// without the signing key a forger cannot make the consumer skip records or witness the forgery.
@Suite("A forged head in the archive directory", .fixtures)
struct ForgedHeadTests {
    @Test("a forged next manifest (unsigned, lastOffset 2^62, linked to the real head) planted between runs: the consumer with a signing key does not take that partition (metric, /readyz), skips nothing and never witnesses it; once the forgery is removed every exchange is archived once and verify --public-key --witness passes")
    func forgedHead() async throws {
        let topic = IntegrationBroker.uniqueTopic("archive-forged")
        let witnessTopic = IntegrationBroker.uniqueTopic("archive-forged-witness")
        let root = ArchiveHarness.temporaryRoot()
        let keys = try await ArchiveHarness.temporaryKeys("archive")
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: keys)
        }
        let group = "archive-forged-\(UUID().uuidString.prefix(8))"
        let arguments = ["--signing-key", "\(keys)/archive.key", "--checkpoint-topic", witnessTopic, "--segment-max-records", "5"]
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        var expected = try await ArchiveHarness.produce(0..<30, to: topic, producer: producer, largeEvery: 1_000)
        let first = try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root, arguments: arguments)
        defer { first.kill() }
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))
        #expect(await first.terminate() == 0)

        // The forgery: what someone who can write the archive, but has not the key, can make.
        let newest = try #require(try ArchiveCatalog.scan(root: root).entries
            .filter { $0.kinds.contains(.manifest) && $0.name.partition == 0 }
            .max { $0.name.startOffset < $1.name.startOffset })
        let real = try #require(FileManager.default.contents(atPath: newest.path(.manifest)))
        var forged = try ManifestFile(path: newest.path(.manifest)).manifest
        forged.firstOffset = forged.lastOffset + 1
        forged.lastOffset = 1 << 62
        forged.resumeOffset = forged.lastOffset + 1
        forged.count = 0
        forged.previousManifestSHA256 = ArchiveDigest.sha256(ByteBuffer(bytes: real))
        forged.signature = nil
        let forgedPath = "\(newest.directory)/\(SegmentFileName(topic: topic, partition: 0, startOffset: forged.firstOffset).fileName(.manifest))"
        try Data(forged.encoded().readableBytesView).write(to: URL(fileURLWithPath: forgedPath))
        try FileManager.default.removeItem(atPath: "\(ArchiveLayout(root: root).headDirectory(topic))/\(topic)+0.json")

        expected += try await ArchiveHarness.produce(30..<60, to: topic, producer: producer, largeEvery: 1_000)
        let second = try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root, arguments: arguments)
        defer { second.kill() }
        try await second.waitForMetric("auditshipper_archive_untrusted_heads_total", atLeast: 1)
        let readiness = try await HTTPTestClient.send("\(second.adminURL)/readyz", method: .GET)
        #expect(readiness.status != 200 && String(buffer: readiness.body).contains("not trusted"), "\(String(buffer: readiness.body))")
        #expect(second.log.contains("not signed"), "\(second.log.suffix(2_000))")
        #expect(await second.terminate() == 0)

        try FileManager.default.removeItem(atPath: forgedPath)
        let third = try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root, arguments: arguments)
        defer { third.kill() }
        _ = try await ArchiveHarness.waitForArchive(root: root, count: expected.count, timeout: .seconds(60))
        await producer.close()
        #expect(await third.terminate() == 0)
        let (duplicates, missing) = ConsumerArchiveTests.compare(archived: try ArchiveHarness.archivedIDs(root: root), expected: expected)
        #expect(duplicates.isEmpty && missing.isEmpty, "nothing skipped past the forged head: duplicated \(duplicates.count), missing \(missing.count)")
        let brokers = try IntegrationBroker.bootstrapServers().joined(separator: ",")
        let verify = try await ArchiveHarness.cli(["verify", root, "--public-key", "\(keys)/archive.pub", "--witness", brokers, "--checkpoint-topic", witnessTopic])
        #expect(verify.status == 0, "the forged head was never witnessed: \(String(decoding: verify.standardOutput, as: UTF8.self).suffix(2_000))")
    }
}
