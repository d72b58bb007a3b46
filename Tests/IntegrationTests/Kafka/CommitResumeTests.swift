import Kafka
import NIOCore
import Testing

@Suite("Commit and resume", .fixtures)
struct CommitResumeTests {
    @Test("a consumer that commits, closes and restarts resumes after its last commit")
    func resumesAfterCommit() async throws {
        let topic = IntegrationBroker.uniqueTopic("resume")
        let producer = try KafkaProducer(configuration: IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        for index in 0..<100 {
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: ByteBuffer(string: "\(index)"), value: ByteBuffer(string: "value-\(index)")))
        }
        await producer.close()
        let group = "resume-\(topic)"

        let first = try KafkaConsumer(configuration: IntegrationBroker.consumerConfiguration(group: group), logger: IntegrationBroker.logger)
        try first.subscribe(topics: [topic])
        let firstBatch = try await ConsumerCollector.collect(
            from: first,
            timeout: .seconds(60),
            onMessage: { try await first.commit($0) },
            until: { $0.count == 40 }
        )
        try await first.close()

        let second = try KafkaConsumer(configuration: IntegrationBroker.consumerConfiguration(group: group), logger: IntegrationBroker.logger)
        try second.subscribe(topics: [topic])
        let firstKeys = Set(firstBatch.map { String(buffer: $0.key!) })
        let secondBatch = try await ConsumerCollector.collect(from: second, timeout: .seconds(60)) { messages in
            Set(messages.map { String(buffer: $0.key!) }).union(firstKeys).count == 100
        }
        try await second.close()

        let secondKeys = secondBatch.map { String(buffer: $0.key!) }
        #expect(firstKeys.count == 40)
        #expect(secondKeys.count == 60, "read twice or missed: \(secondKeys.count) messages after restart")
        #expect(firstKeys.isDisjoint(with: secondKeys))
        #expect(firstKeys.union(secondKeys) == Set((0..<100).map(String.init)))
    }
}
