import Logging
import NIOCore
import Synchronization
import Testing

@testable import Kafka

/// Producer behaviour that needs no broker: nothing listens on the port these tests use.
@Suite("Producer without a broker")
struct ProducerWithoutBrokerTests {
    /// A loopback port with no listener (port 1, tcpmux, is never served here).
    static let deadBroker = "127.0.0.1:1"

    static func configuration(messageTimeout: Duration = .seconds(2)) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration()
        configuration.bootstrapServers = [deadBroker]
        configuration.messageTimeout = messageTimeout
        configuration.additionalProperties = ["log_level": "0"]
        return configuration
    }

    static func message(bytes: Int = 16) -> KafkaProducerMessage {
        KafkaProducerMessage(topic: "unit", value: ByteBuffer(repeating: 0x61, count: bytes))
    }

    @Test("an unreachable broker fails a delivery within message.timeout.ms instead of hanging")
    func unreachableDelivery() async throws {
        let producer = try KafkaProducer(configuration: Self.configuration(), logger: .quiet)
        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(Self.message())
        }
        #expect(error?.code == .timedOut)
        // Bounded, not timed: message.timeout.ms is 2 s; a hang would take forever. The margin
        // absorbs a machine busy with the rest of the suite.
        #expect(ContinuousClock.now - start < .seconds(30))
        await producer.close(timeout: .seconds(1))
    }

    @Test("an unreachable broker fails a metadata request within its timeout")
    func unreachableMetadata() async throws {
        let producer = try KafkaProducer(configuration: Self.configuration(), logger: .quiet)
        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.metadata(timeout: .seconds(1))
        }
        #expect(error?.code == .brokerUnreachable || error?.code == .timedOut)
        // Bounded, not timed: the request's timeout is 1 s; the margin absorbs a busy machine.
        #expect(ContinuousClock.now - start < .seconds(30))
        await producer.close(timeout: .seconds(1))
    }

    @Test("a message above message.max.bytes is refused at once with a clear error")
    func messageTooLarge() async throws {
        var configuration = Self.configuration()
        configuration.messageMaxBytes = 10_000
        let producer = try KafkaProducer(configuration: configuration, logger: .quiet)
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(Self.message(bytes: 20_000))
        }
        #expect(error?.code == .messageTooLarge)
        #expect(error?.reason.contains("20000 bytes") == true)
        #expect(error?.reason.contains("message.max.bytes") == true)
        await producer.close(timeout: .seconds(1))
    }

    @Test("sending after close fails with code closed")
    func sendAfterClose() async throws {
        let producer = try KafkaProducer(configuration: Self.configuration(), logger: .quiet)
        await producer.close(timeout: .milliseconds(100))
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(Self.message())
        }
        #expect(error?.code == .closed)
    }

    @Test("close reports every undelivered message as failed, exactly once")
    func closeReportsUndelivered() async throws {
        let producer = try KafkaProducer(configuration: Self.configuration(messageTimeout: .seconds(60)), logger: .quiet)
        let outcomes = Mutex<[Int: [Result<KafkaDeliveryReport, KafkaError>]]>([:])
        for index in 0..<5 {
            try await producer.enqueue(Self.message()) { result in
                outcomes.withLock { $0[index, default: []].append(result) }
            }
        }
        await producer.close(timeout: .milliseconds(300))
        let reported = outcomes.withLock { $0 }
        #expect(reported.keys.sorted() == Array(0..<5))
        for (_, results) in reported {
            #expect(results.count == 1)
            guard case .failure(let error) = results.first else {
                Issue.record("an undeliverable message was reported delivered")
                continue
            }
            #expect(error.code == .closed)
        }
    }

    @Test("when the local queue is full, send waits and honours cancellation")
    func queueFullWaits() async throws {
        var configuration = Self.configuration(messageTimeout: .seconds(60))
        configuration.queueBufferingMaxMessages = 1
        let producer = try KafkaProducer(configuration: configuration, logger: .quiet)
        try await producer.enqueue(Self.message()) { _ in }
        let waiting = Task { try await producer.enqueue(Self.message()) { _ in } }
        try await Task.sleep(for: .milliseconds(300))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        await producer.close(timeout: .milliseconds(100))
    }
}
