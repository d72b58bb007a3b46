import AuditArchive
import AuditEnvelope
import Foundation
import Kafka
import NIOCore
import Testing

/// Producer marks through the real pipeline: a deleted tail is reported lost up to the newest
/// mark, and a forged drop notice is believed without producer keys and refused with them.
@Suite("Producer marks and signed notices through the real pipeline", .serialized, .fixtures)
struct MarksTests {
    /// A key whose records land on another partition than `avoided`'s, found by sending probes
    /// to a fresh topic of the same partition count (the partitioner is librdkafka's).
    static func key(avoiding avoided: String, producer: KafkaProducer) async throws -> (key: String, partition: Int32)? {
        let probe = IntegrationBroker.uniqueTopic("marks-probe")
        func partition(of key: String) async throws -> Int32 {
            try await producer.send(KafkaProducerMessage(topic: probe, key: ByteBuffer(string: key), value: ByteBuffer(string: "probe"))).partition
        }
        let avoidedPartition = try await partition(of: avoided)
        for candidate in (0..<32).map({ "tenant-\($0)" }) {
            let landed = try await partition(of: candidate)
            if landed != avoidedPartition { return (candidate, landed) }
        }
        return nil
    }

    @Test("the newest segment of the exchanges' partition deleted: reconcile reports its numbers LOST up to the newest mark; a forged drop notice for them is believed without --producer-public-key and refused with it")
    func deletedTail() async throws {
        let topic = IntegrationBroker.uniqueTopic("marks")
        let brokers = try IntegrationBroker.bootstrapServers().joined(separator: ",")
        let root = ArchiveHarness.temporaryRoot()
        let keys = try await ArchiveHarness.temporaryKeys("producer")
        let spool = ProducerProcess.temporarySpool()
        defer {
            for path in [root, keys, spool] { try? FileManager.default.removeItem(atPath: path) }
        }
        // The producer's id is fixed up front (its spool keeps it), so the partition its notices
        // and marks go to is known before it starts.
        let producerID = UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        try Data("\(producerID)\n".utf8).write(to: URL(fileURLWithPath: "\(spool)/producer-id"))
        try Data("00000000000000000000\n".utf8).write(to: URL(fileURLWithPath: "\(spool)/sequence"))
        let kafka = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let tenant = try #require(try await Self.key(avoiding: producerID, producer: kafka), "no key of 32 lands off the producer id's partition")

        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let producer = try await ProducerProcess.start(arguments: [
            "--upstream", upstream.url, "--route", "POST /api/**", "--kafka-brokers", brokers, "--kafka-topic", topic,
            "--spool-dir", spool, "--key-header", "X-Tenant", "--mark-interval", "1", "--producer-signing-key", "\(keys)/producer.key",
        ])
        defer { producer.kill() }
        let consumer = try await ArchiveHarness.startConsumer(
            topic: topic, group: "marks-\(UUID().uuidString.prefix(8))", root: root, arguments: ["--segment-max-records", "3"]
        )
        defer { consumer.kill() }
        for index in 0..<9 {
            let reply = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [
                ("Content-Type", "application/json"), ("X-Request-ID", "marks-\(index)"), ("X-Tenant", tenant.key),
            ], body: ByteBuffer(string: #"{"n":\#(index)}"#))
            #expect(reply.status == 200)
        }
        #expect(await producer.terminate() == 0)
        // The forger: anyone who can write to the topic can announce numbers as dropped.
        let forged = DropNotice(producer: producerID, firstSequence: 1, lastSequence: 9, reason: "queue_full", time: WallClock.microseconds())
        let envelope = forged.envelope(source: "forger")
        _ = try await kafka.send(KafkaProducerMessage(
            topic: topic, key: ByteBuffer(string: producerID), value: envelope.data,
            headers: KafkaBinaryCodec.headers(for: envelope).map { KafkaHeader(key: $0.name, string: $0.value) }
        ))
        await kafka.close()

        // Every exchange, the forged notice and the producer's shutdown mark (9) archived.
        var marks: [ProducerMark] = []
        var exchanges: [(sequence: Int64, partition: Int32)] = []
        var notices = 0
        try await Waiting.until("9 exchanges, a notice and the mark of 9 archived", timeout: .seconds(60), interval: .milliseconds(500)) {
            marks = []
            exchanges = []
            notices = 0
            guard FileManager.default.fileExists(atPath: root) else { return false }
            var everything = ExchangeFilter()
            everything.includesMarks = true
            try ArchiveQuery.forEach(in: root, filter: everything, decodeRecords: true, onProblem: { _ in }) { archived in
                if let mark = archived.mark { marks.append(mark) }
                if archived.dropNotice != nil { notices += 1 }
                if let sequence = archived.record?.sequence { exchanges.append((sequence, archived.segment.name.partition)) }
                return .proceed
            }
            return exchanges.count == 9 && notices == 1 && marks.contains { $0.highestSequence == 9 }
        }
        #expect(await consumer.terminate() == 0)
        #expect(Set(exchanges.map(\.partition)) == [tenant.partition], "the tenant key keeps the exchanges on one partition")
        #expect(marks.allSatisfy { $0.signature != nil && $0.producer == producerID }, "marks are signed with --producer-signing-key")
        try await ProxyCaptureTests.validate(marks.map { $0.encoded() }, schema: "producer-mark-v1")
        let producerKey = ["--producer-public-key", "\(keys)/producer.pub"]
        let whole = try await ArchiveHarness.cli(["reconcile", root] + producerKey)
        let wholeText = String(decoding: whole.standardOutput, as: UTF8.self)
        #expect(wholeText.contains("newest mark 9 at"), "\(wholeText)")
        #expect(wholeText.contains("1 refused"), "the forged notice is refused even when it explains nothing: \(wholeText)")

        // The tail deleted: the partition's newest segment (the highest numbers; how many depends
        // on how the consumer cut its segments) with its manifest and index, as a truncated
        // partition or a careless retention job would leave it. No checkpoint is consulted.
        let catalog = try ArchiveCatalog.scan(root: root)
        let newest = try #require(catalog.entries(topic: topic, partition: tenant.partition).last)
        var deleted: [Int64] = []
        try SegmentReader.forEachLine(inFileAt: newest.path(.segment)) { line in
            if let sequence = try? StructuredCodec.decode(line).record().sequence { deleted.append(sequence) }
        }
        let first = try #require(deleted.first)
        #expect(deleted == Array(first...9), "the newest segment holds the tail: \(deleted)")
        for kind in newest.kinds { try FileManager.default.removeItem(atPath: newest.path(kind)) }
        let tail = ArchiveReconciliation.Gap(first: first, last: 9, reason: nil)

        let believing = try await ArchiveHarness.cli(["reconcile", root])
        let believingText = String(decoding: believing.standardOutput, as: UTF8.self)
        #expect(believing.status == 0 && believingText.contains("dropped \(tail) (\(tail.count)): queue_full"), "without producer keys the forgery explains the tail: \(believingText)")
        let refusing = try await ArchiveHarness.cli(["reconcile", root] + producerKey)
        let refusingText = String(decoding: refusing.standardOutput, as: UTF8.self)
        #expect(refusing.status == 1)
        #expect(refusingText.contains("LOST \(tail) (\(tail.count))") && refusingText.contains("newest mark 9"), "\(refusingText)")
        #expect(refusing.standardError.contains("drop notice of producer \(producerID) for 1-9 refused: not signed"), "\(refusing.standardError)")
    }
}
