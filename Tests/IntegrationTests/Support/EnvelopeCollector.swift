import AuditEnvelope
import Kafka
import NIOCore
import Synchronization

/// Reads exchange envelopes from a topic in the background and finds them by request id.
final class EnvelopeCollector: Sendable {
    struct Received: Sendable {
        let envelope: AuditEnvelope
        let record: ExchangeRecord
        let message: KafkaConsumerMessage
    }

    private final class Store: Sendable {
        let received = Mutex<[Received]>([])
        let failures = Mutex<[String]>([])
    }

    private let store = Store()
    private let consumer: KafkaConsumer
    private let task: Task<Void, Never>

    init(topic: String) throws {
        var configuration = try IntegrationBroker.consumerConfiguration(group: "collector-\(topic)")
        // The topic appears when the producer first writes; find it within a second.
        configuration.additionalProperties = ["allow.auto.create.topics": "true", "topic.metadata.refresh.interval.ms": "1000"]
        let consumer = try KafkaConsumer(configuration: configuration, logger: IntegrationBroker.logger)
        try consumer.subscribe(topics: [topic])
        self.consumer = consumer
        let store = self.store
        task = Task {
            do {
                for try await event in consumer.events {
                    guard case .message(let message) = event else { continue }
                    do {
                        let headers = message.headers.map { KafkaBinaryCodec.Header(name: $0.key, value: $0.value.map { String(buffer: $0) } ?? "") }
                        let envelope = try KafkaBinaryCodec.decode(headers: headers, value: message.value)
                        let record = try envelope.record()
                        store.received.withLock { $0.append(Received(envelope: envelope, record: record, message: message)) }
                    } catch {
                        store.failures.withLock { $0.append("\(message.position): \(error)") }
                    }
                }
            } catch {
                store.failures.withLock { $0.append("consumer: \(error)") }
            }
        }
    }

    var all: [Received] { store.received.withLock { $0 } }
    var decodeFailures: [String] { store.failures.withLock { $0 } }

    /// Waits up to `timeout` for the envelope of the exchange whose request id is `requestID`.
    func envelope(requestID: String, timeout: Duration = .seconds(30)) async throws -> Received {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = all.first(where: { $0.record.requestID == requestID }) { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ConsumerCollector.TimedOut(received: all.count, timeout: timeout)
    }

    func stop() async throws {
        try await consumer.close()
        task.cancel()
    }
}
