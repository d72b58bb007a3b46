import AuditEnvelope
import Kafka
import NIOCore
import Synchronization

/// Reads exchange envelopes (and drop notices and marks) from a topic in the background, reassembling
/// chunked ones, and finds them by request id.
final class EnvelopeCollector: Sendable {
    /// Where a record was: ordered by partition, then offset.
    struct Position: Sendable, Comparable {
        let partition: Int32
        let offset: Int64
        static func < (lhs: Position, rhs: Position) -> Bool {
            (lhs.partition, lhs.offset) < (rhs.partition, rhs.offset)
        }
    }

    struct Received: Sendable {
        let envelope: AuditEnvelope
        let record: ExchangeRecord
        let key: String?
        /// The positions of its records (several when chunked).
        let positions: [Position]
    }

    private final class Store: Sendable {
        let received = Mutex<[Received]>([])
        let failures = Mutex<[String]>([])
        let incomplete = Mutex<[ChunkReassembler<Position>.IncompleteSet]>([])
        let notices = Mutex<[DropNotice]>([])
        let marks = Mutex<[ProducerMark]>([])
        /// The highest offset read on each partition.
        let highest = Mutex<[Int32: Int64]>([:])
    }

    private let store = Store()
    private let consumer: KafkaConsumer
    private let task: Task<Void, Never>
    private let topic: String

    /// - Parameters:
    ///   - topic: The topic to read from the beginning.
    ///   - bootstrap: The broker, when not the shared test broker.
    ///   - chunkTimeout: How long a chunk set may stay incomplete before it is reported.
    init(topic: String, bootstrap: String? = nil, chunkTimeout: Duration = .seconds(300)) throws {
        var configuration = try IntegrationBroker.consumerConfiguration(group: "collector-\(topic)")
        if let bootstrap { configuration.bootstrapServers = [bootstrap] }
        // The topic appears when the producer first writes; find it within a second.
        configuration.additionalProperties = ["allow.auto.create.topics": "true", "topic.metadata.refresh.interval.ms": "1000"]
        let consumer = try KafkaConsumer(configuration: configuration, logger: IntegrationBroker.logger)
        try consumer.subscribe(topics: [topic])
        self.consumer = consumer
        self.topic = topic
        let store = self.store
        task = Task {
            var reassembler = ChunkReassembler<Position>(timeout: chunkTimeout)
            do {
                for try await event in consumer.events {
                    store.incomplete.withLock { $0 += reassembler.expire() }
                    guard case .message(let message) = event else { continue }
                    let position = Position(partition: message.partition, offset: message.offset)
                    store.highest.withLock { $0[message.partition] = max($0[message.partition] ?? -1, message.offset) }
                    let record = EnvelopeRecord(
                        headers: message.headers.map { HeaderField(name: $0.key, value: $0.value.map { String(buffer: $0) } ?? "") },
                        value: message.value
                    )
                    do {
                        guard case .envelope(let envelope, let positions) = try reassembler.add(record, at: position) else { continue }
                        if envelope.type == DropNotice.eventType {
                            let notice = try DropNotice.decode(envelope.data)
                            store.notices.withLock { $0.append(notice) }
                            continue
                        }
                        if envelope.type == ProducerMark.eventType {
                            let mark = try ProducerMark.decode(envelope.data)
                            store.marks.withLock { $0.append(mark) }
                            continue
                        }
                        let decoded = try envelope.record()
                        let key = message.key.map { String(buffer: $0) }
                        store.received.withLock { $0.append(Received(envelope: envelope, record: decoded, key: key, positions: positions)) }
                    } catch {
                        store.failures.withLock { $0.append("\(position): \(error)") }
                    }
                }
            } catch {
                store.failures.withLock { $0.append("consumer: \(error)") }
            }
        }
    }

    var all: [Received] { store.received.withLock { $0 } }
    var notices: [DropNotice] { store.notices.withLock { $0 } }
    var marks: [ProducerMark] { store.marks.withLock { $0 } }
    var decodeFailures: [String] { store.failures.withLock { $0 } }
    var incompleteSets: [ChunkReassembler<Position>.IncompleteSet] { store.incomplete.withLock { $0 } }

    /// Waits up to `timeout` for the envelope of the exchange whose request id is `requestID`.
    func envelope(requestID: String, timeout: Duration = .seconds(30)) async throws -> Received {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = all.first(where: { $0.record.requestID == requestID }) { return found }
            if let failure = decodeFailures.first(where: { $0.hasPrefix("consumer:") }) {
                throw ConsumerCollector.TimedOut(received: all.count, timeout: timeout, detail: failure)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ConsumerCollector.TimedOut(received: all.count, timeout: timeout)
    }

    /// Waits up to `timeout` until every request id in `requestIDs` has arrived.
    /// - Returns: The ids still missing (empty when all arrived).
    func waitForAll(_ requestIDs: Set<String>, timeout: Duration) async throws -> Set<String> {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let failure = decodeFailures.first(where: { $0.hasPrefix("consumer:") }) {
                throw ConsumerCollector.TimedOut(received: all.count, timeout: timeout, detail: failure)
            }
            let missing = requestIDs.subtracting(all.map(\.record.requestID))
            if missing.isEmpty || ContinuousClock.now >= deadline { return missing }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Waits until the collector has read every record the topic holds now (to each partition's
    /// high watermark): after the producer drained, nothing more can arrive, so what was read
    /// is all there is (no duplicate can still be on its way).
    func waitUntilCaughtUp(timeout: Duration = .seconds(30)) async throws {
        var behind = ""
        try await Waiting.until("the collector to read to the end of \(topic)", timeout: timeout, interval: .milliseconds(200), detail: { behind }) {
            let metadata = try await consumer.metadata(timeout: .seconds(5))
            let count = metadata.partitionCounts[topic] ?? 0
            let highest = store.highest.withLock { $0 }
            var lagging: [String] = []
            for partition in 0..<Int32(count) {
                let high = try await consumer.watermarks(for: KafkaTopicPartition(topic: topic, partition: partition), timeout: .seconds(5)).high
                let read = highest[partition] ?? -1
                if read + 1 < high { lagging.append("\(partition): read to \(read) of \(high)") }
            }
            behind = lagging.joined(separator: ", ")
            return count > 0 && lagging.isEmpty
        }
    }

    func stop() async throws {
        try await consumer.close()
        task.cancel()
    }
}
