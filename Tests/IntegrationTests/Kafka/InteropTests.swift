import Foundation
import Kafka
import NIOCore
import Testing

@Suite("Interoperability with other Kafka clients", .fixtures)
struct InteropTests {
    @Test("kcat reads a record our producer sent, with its key and headers")
    func kcatReadsOurRecord() async throws {
        let topic = IntegrationBroker.uniqueTopic("kcat")
        let producer = try KafkaProducer(configuration: IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        _ = try await producer.send(KafkaProducerMessage(
            topic: topic,
            key: ByteBuffer(string: "tenant-7"),
            value: ByteBuffer(string: #"{"audit":true}"#),
            headers: [KafkaHeader(key: "ce_specversion", string: "1.0"), KafkaHeader(key: "ce_type", string: "dev.auditshipper.test")]
        ))
        await producer.close()

        let brokers = try IntegrationBroker.bootstrapServers().joined(separator: ",")
        let output = try await ProcessRunner.run([
            "kcat", "-C", "-b", brokers, "-t", topic, "-o", "beginning", "-c", "1", "-e", "-q",
            "-f", "key=%k\\nheaders=%h\\nvalue=%s\\n",
        ])
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines == ["key=tenant-7", "headers=ce_specversion=1.0,ce_type=dev.auditshipper.test", #"value={"audit":true}"#])
    }

    @Test("our consumer reads a record the confluent-kafka Python client sent")
    func weReadPythonRecord() async throws {
        let topic = IntegrationBroker.uniqueTopic("python")
        let brokers = try IntegrationBroker.bootstrapServers().joined(separator: ",")
        let python = ProcessInfo.processInfo.environment["AUDITSHIPPER_PYTHON"] ?? "python3"
        let script = """
            import sys
            from confluent_kafka import Producer
            p = Producer({"bootstrap.servers": sys.argv[1], "enable.idempotence": True})
            p.produce(sys.argv[2], key=b"py-key", value=bytes(range(256)) * 4,
                      headers=[("origin", b"python"), ("binary", b"\\x00\\xff")])
            assert p.flush(30) == 0
            """
        _ = try await ProcessRunner.run([python, "-c", script, brokers, topic])

        let consumer = try KafkaConsumer(configuration: IntegrationBroker.consumerConfiguration(group: "py-\(topic)"), logger: IntegrationBroker.logger)
        try consumer.subscribe(topics: [topic])
        let messages = try await ConsumerCollector.collect(from: consumer, timeout: .seconds(60)) { $0.count == 1 }
        try await consumer.close()

        let message = try #require(messages.first)
        #expect(message.key == ByteBuffer(string: "py-key"))
        #expect(message.value == ByteBuffer(bytes: Array(repeating: Array(0...255) as [UInt8], count: 4).flatMap { $0 }))
        #expect(message.headers == [
            KafkaHeader(key: "origin", string: "python"),
            KafkaHeader(key: "binary", value: ByteBuffer(bytes: [0x00, 0xFF])),
        ])
        #expect(message.timestampMilliseconds != nil)
    }
}
