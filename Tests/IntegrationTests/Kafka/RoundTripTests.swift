import Kafka
import NIOCore
import Synchronization
import Testing

@Suite("Round trip through the real broker", .fixtures)
struct RoundTripTests {
    struct Sent {
        var value: ByteBuffer
        var headers: [KafkaHeader]
    }

    @Test("10,000 × 1 KB and 50 × 1 MB compressed records come back byte-identical, each outcome reported once")
    func bulkRoundTrip() async throws {
        let topic = IntegrationBroker.uniqueTopic("bulk")
        var configuration = try IntegrationBroker.producerConfiguration()
        configuration.compression = .lz4
        configuration.messageMaxBytes = 2_097_152
        let producer = try KafkaProducer(configuration: configuration, logger: IntegrationBroker.logger)

        let total = 10_050
        var sent: [String: Sent] = [:]
        let outcomes = Mutex<[String: [Result<KafkaDeliveryReport, KafkaError>]]>([:])
        for index in 0..<total {
            let key = "key-\(index)"
            let value = IntegrationBroker.randomBytes(index < 10_000 ? 1024 : 1_048_576)
            let headers = [
                KafkaHeader(key: "ce_id", string: "exchange-\(index)"),
                KafkaHeader(key: "binary", value: ByteBuffer(bytes: [0x00, 0xFF, UInt8(index % 256)])),
                KafkaHeader(key: "empty", value: nil),
            ]
            sent[key] = Sent(value: value, headers: headers)
            let message = KafkaProducerMessage(topic: topic, key: ByteBuffer(string: key), value: value, headers: headers)
            try await producer.enqueue(message) { result in
                outcomes.withLock { $0[key, default: []].append(result) }
            }
        }
        try await producer.flush(timeout: .seconds(120))
        await producer.close()

        let reported = outcomes.withLock { $0 }
        #expect(reported.count == total)
        #expect(reported.values.allSatisfy { $0.count == 1 })
        let failures = reported.values.flatMap { $0 }.compactMap { if case .failure(let error) = $0 { error } else { nil } }
        #expect(failures.isEmpty, "first failure: \(String(describing: failures.first))")

        let consumer = try KafkaConsumer(
            configuration: IntegrationBroker.consumerConfiguration(group: "bulk-\(topic)"),
            logger: IntegrationBroker.logger
        )
        try consumer.subscribe(topics: [topic])
        let received = try await ConsumerCollector.collect(from: consumer, timeout: .seconds(180)) { $0.count >= total }
        try await consumer.close()

        #expect(received.count == total)
        var seen = Set<String>()
        for message in received {
            let key = String(buffer: try #require(message.key))
            #expect(seen.insert(key).inserted, "\(key) read twice")
            let expected = try #require(sent[key])
            #expect(message.value == expected.value, "\(key) value differs")
            #expect(message.headers == expected.headers, "\(key) headers differ")
            #expect(message.topic == topic)
        }
        #expect(seen.count == total)
    }
}
