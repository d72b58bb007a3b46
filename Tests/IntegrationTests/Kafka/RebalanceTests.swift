import Kafka
import NIOCore
import Testing

@Suite("Assignment events", .fixtures)
struct RebalanceTests {
    @Test("a member sees its assignment before its first record")
    func assignmentBeforeRecords() async throws {
        let topic = IntegrationBroker.uniqueTopic("assign")
        let producer = try KafkaProducer(configuration: IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        _ = try await producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: ByteBuffer(string: "first")))
        await producer.close()

        let consumer = try KafkaConsumer(configuration: IntegrationBroker.consumerConfiguration(group: "assign-\(topic)"), logger: IntegrationBroker.logger)
        try consumer.subscribe(topics: [topic])
        var assigned: [KafkaTopicPartition] = []
        var record: KafkaConsumerMessage?
        for try await event in consumer.events {
            switch event {
            case .partitionsAssigned(let partitions):
                assigned = partitions
            case .partitionsRevoked:
                Issue.record("revoked before the first record")
            case .idle:
                Issue.record("idle without an idle interval")
            case .message(let message):
                record = message
            }
            if record != nil { break }
        }
        #expect(assigned.contains(KafkaTopicPartition(topic: topic, partition: 0)))
        #expect(record.map { String(buffer: $0.value) } == "first")
        try await consumer.close()
    }
}
