import AuditArchive
import AuditEnvelope
import Foundation
import Kafka
import NIOCore
import Synchronization
import Testing

/// Starts `audit-consumer`, produces envelopes, runs `audit-archive` and reads archives back, for
/// the archive integration tests.
enum ArchiveHarness {
    /// A fresh archive root under the temporary directory.
    static func temporaryRoot() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("audit-archive-\(UUID().uuidString)").path
    }

    /// A new temporary directory holding an Ed25519 key pair `<name>.key`/`<name>.pub` for each
    /// of `names`, made by `audit-archive keygen`; the caller removes it.
    static func temporaryKeys(_ names: String...) async throws -> String {
        let directory = temporaryRoot()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in names {
            let keygen = try await cli(["keygen", "--out", "\(directory)/\(name)"])
            #expect(keygen.status == 0, "keygen \(name): \(keygen.standardError)")
        }
        return directory
    }

    /// Starts `audit-consumer` on `topic` with fast rotation, and waits for its admin listener.
    static func startConsumer(
        topic: String,
        group: String,
        root: String,
        brokers: String? = nil,
        arguments: [String] = [],
        environment: [String: String] = [:]
    ) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            "audit-consumer",
            arguments: [
                "--admin-listen", "127.0.0.1:0",
                "--kafka-brokers", try brokers ?? IntegrationBroker.bootstrapServers().joined(separator: ","),
                "--kafka-topic", topic, "--consumer-group", group, "--archive-dir", root,
                "--kafka-property", "session.timeout.ms=6000",
                "--segment-max-open", "1",
            ] + arguments,
            listening: ["admin listening"],
            environment: environment
        )
    }

    /// An exchange envelope whose response body is `bodyBytes` of JSON, its exchange starting at
    /// `start` (microseconds since the Unix epoch; it names the segment's `dt=`/`hour=` directory).
    static func envelope(index: Int, bodyBytes: Int = 600, start: Int64 = WallClock.microseconds()) -> AuditEnvelope {
        let body = ByteBuffer(string: "{\"index\":\(index),\"pad\":\"\(String(repeating: "y", count: bodyBytes))\"}")
        let now = start
        let record = ExchangeRecord(
            exchangeID: UUIDv7.generate(), requestID: "req-\(index)", route: "/api/items/{id}", method: "PUT",
            target: "/api/items/\(index)", path: "/api/items/\(index)", status: 200, outcome: .completed, outcomeDetail: nil,
            clientAddress: "127.0.0.1", traceparent: nil,
            timings: ExchangeTimings(start: now, firstResponseByte: nil, end: now + 100),
            request: HTTPMessageRecord(headers: [], body: BodyRecord(size: 0, truncated: false, sha256: "", contentType: nil, contentEncoding: nil, data: ByteBuffer())),
            response: HTTPMessageRecord(
                headers: [HeaderField(name: "Content-Type", value: "application/json")],
                body: BodyRecord(
                    size: body.readableBytes, truncated: false, sha256: body.withUnsafeReadableBytes { SHA256Hasher.hash($0).hex },
                    contentType: "application/json", contentEncoding: nil, data: body
                )
            ),
            redactions: []
        )
        return AuditEnvelope(record: record, source: "archive-test")
    }

    /// Produces envelopes `range` to `topic` as the publisher does (keyed by exchange id, chunked
    /// above `messageMaxBytes`), every `largeEvery`-th one large enough to be chunked, and waits
    /// for every delivery.
    /// - Returns: The exchange ids produced.
    static func produce(
        _ range: Range<Int>,
        to topic: String,
        producer: KafkaProducer,
        largeEvery: Int = 50,
        messageMaxBytes: Int = 100_000
    ) async throws -> [String] {
        let failures = Mutex<[String]>([])
        var ids: [String] = []
        for index in range {
            let envelope = envelope(index: index, bodyBytes: index % largeEvery == 0 ? 250_000 : 600)
            ids.append(envelope.id)
            for record in EnvelopeChunker.records(for: envelope, messageMaxBytes: messageMaxBytes) {
                let message = KafkaProducerMessage(
                    topic: topic,
                    key: ByteBuffer(string: envelope.id),
                    value: record.value,
                    headers: record.headers.map { KafkaHeader(key: $0.name, string: $0.value) }
                )
                try await producer.enqueue(message) { result in
                    if case .failure(let error) = result { failures.withLock { $0.append("\(error)") } }
                }
            }
        }
        try await producer.flush(timeout: .seconds(60))
        let failed = failures.withLock { $0 }
        guard failed.isEmpty else { throw ProcessRunner.Failure(command: "produce", status: 1, output: failed.joined(separator: "\n")) }
        return ids
    }

    /// Produces `total` exchanges in batches of 100, `pause` apart: the first batch before the
    /// consumer starts (`start`), the rest in four slices while it is SIGKILLed three times and
    /// started again each time. Each slice starts after the consumer it feeds started, so that
    /// consumer always has new records to archive: it is killed once it has archived something
    /// and a random 0.5–2 s later, mid-load (a consumer that had found nothing new because the
    /// feed ran ahead of a slow start would wait for its first envelope in vain).
    /// - Returns: The ids produced and the consumer left running (the caller terminates it).
    static func produceWhileKilling(
        total: Int,
        to topic: String,
        producer: KafkaProducer,
        pause: Duration,
        start: () async throws -> ServiceProcess
    ) async throws -> (ids: [String], consumer: ServiceProcess) {
        var ids = try await produce(0..<min(100, total), to: topic, producer: producer)
        var consumer = try await start()
        let kills = 3
        let rest = max(0, total - 100)
        for slice in 0...kills {
            let range = (100 + rest * slice / (kills + 1))..<(100 + rest * (slice + 1) / (kills + 1))
            let feeding = Task {
                var ids: [String] = []
                for first in stride(from: range.lowerBound, to: range.upperBound, by: 100) {
                    ids += try await produce(first..<min(first + 100, range.upperBound), to: topic, producer: producer)
                    try await Task.sleep(for: pause)
                }
                return ids
            }
            do {
                if slice < kills {
                    try await consumer.waitForMetric("auditshipper_archive_envelopes_total", atLeast: 1, timeout: .seconds(90))
                    // A random moment of its work, not a synchronization: the kill lands mid-segment,
                    // mid-publish or mid-commit.
                    try await Task.sleep(for: .milliseconds(Int.random(in: 500...2_000)))
                    consumer.kill()
                }
                ids += try await feeding.value
                if slice < kills { consumer = try await start() }
            } catch {
                feeding.cancel()
                consumer.kill()
                throw error
            }
        }
        return (ids, consumer)
    }

    /// Produces 1,000 exchanges through a rebalance of a two-member group: the first member
    /// (`start(0)`) archives alone until 100 are archived (`archivedCount`), the second joins
    /// while 400 more arrive and is assigned partitions, 200 more arrive, the first leaves
    /// gracefully (its exit status is checked), 200 more arrive; waits until everything is
    /// archived, then stops the second.
    /// - Returns: The ids produced.
    static func produceThroughRebalance(
        topic: String,
        producer: KafkaProducer,
        start: (Int) async throws -> ServiceProcess,
        archivedCount: () async throws -> Int
    ) async throws -> [String] {
        func waitForArchive(_ count: Int, timeout: Duration) async throws {
            try await Waiting.until("\(count) exchanges archived", timeout: timeout, interval: .milliseconds(500)) { try await archivedCount() >= count }
        }
        var ids = try await produce(0..<200, to: topic, producer: producer)
        let first = try await start(0)
        defer { first.kill() }
        try await waitForArchive(100, timeout: .seconds(60))
        let second = try await start(1)
        defer { second.kill() }
        ids += try await produce(200..<600, to: topic, producer: producer)
        try await second.waitForLog("partitions assigned", "\(topic)[", timeout: .seconds(60))
        ids += try await produce(600..<800, to: topic, producer: producer)
        #expect(await first.terminate() == 0)
        ids += try await produce(800..<1_000, to: topic, producer: producer)
        await producer.close()
        try await waitForArchive(ids.count, timeout: .seconds(90))
        #expect(await second.terminate() == 0)
        return ids
    }

    /// The exchange ids in the archive, in archive order (duplicates kept).
    static func archivedIDs(root: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: root) else { return [] }
        var ids: [String] = []
        try ArchiveQuery.forEach(in: root, filter: ExchangeFilter(), onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
            ids.append(exchange.envelope.id)
            return .proceed
        }
        return ids
    }

    /// Waits until the archive holds at least `count` envelopes.
    /// - Returns: What it holds then, or at the deadline (the caller checks the count).
    static func waitForArchive(root: String, count: Int, timeout: Duration) async throws -> [String] {
        var ids: [String] = []
        do {
            try await Waiting.until("\(count) envelopes in \(root)", timeout: timeout, interval: .milliseconds(500)) {
                ids = try archivedIDs(root: root)
                return ids.count >= count
            }
        } catch is Waiting.TimedOut {}
        return ids
    }

    /// Runs `audit-archive` with `arguments`.
    static func cli(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, standardOutput: Data, standardError: String) {
        try await ProcessRunner.outcome([try ServiceProcess.binary("audit-archive")] + arguments, environment: environment, timeout: .seconds(120))
    }
}
