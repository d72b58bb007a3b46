import ArgumentParser
import Foundation
import Kafka
import Logging
import NIOCore

/// Produces records, reads them back through a fresh consumer group and compares every byte.
struct SmokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke",
        abstract: "Produce records with headers, consume them back and compare them byte for byte."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "How many records to produce.")
    var count: Int = 1000

    @Option(help: "The value size of each record, in bytes.")
    var size: Int = 1024

    @Option(help: "Seconds to wait for the records to come back.")
    var timeout: Int = 60

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard size > 0 else { throw ValidationError("--size must be positive") }
    }

    func run() async throws {
        let logger = Logger(label: "audit-kafka")
        let runID = UUID().uuidString
        let producer = try KafkaProducer(configuration: connection.producerConfiguration(messageMaxBytes: size + 65_536), logger: logger)
        let metadata = try await producer.metadata(timeout: .seconds(10))
        print("connected to \(metadata.brokers.map { "\($0.host):\($0.port)" }.joined(separator: ", ")) (librdkafka \(KafkaRuntimeVersion.current))")

        let tally = DeliveryTally(expected: count)
        let produceStart = ContinuousClock.now
        for index in 0..<count {
            try await producer.enqueue(SmokeRecord.message(index: index, size: size, runID: runID, topic: connection.topic)) {
                tally.record($0)
            }
        }
        let (delivered, failed) = await tally.wait()
        let produceTime = ContinuousClock.now - produceStart
        await producer.close()
        let megabytes = Double(count * size) / 1_048_576
        print(String(format: "produced %d records (%.2f MiB) to '%@' in %.2f s: %.0f records/s, %.1f MiB/s; %d acknowledged, %d failed",
                     count, megabytes, connection.topic, produceTime.seconds, Double(count) / produceTime.seconds,
                     megabytes / produceTime.seconds, delivered, failed.count))
        if let first = failed.first { throw ValidationError("delivery failed: \(first)") }

        var consumerConfiguration = KafkaConsumerConfiguration(groupID: "audit-kafka-smoke-\(runID)")
        consumerConfiguration.bootstrapServers = connection.bootstrapServers
        consumerConfiguration.sessionTimeout = .seconds(6)
        consumerConfiguration.additionalProperties = connection.additionalProperties
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        try consumer.subscribe(topics: [connection.topic])
        let consumeStart = ContinuousClock.now
        let verified = try await SmokeRecord.readBack(count: count, size: size, runID: runID, from: consumer, timeout: .seconds(timeout))
        try await consumer.commitStoredOffsets()
        try await consumer.close()
        let consumeTime = ContinuousClock.now - consumeStart
        print(String(format: "consumed %d/%d records back through consumer group in %.2f s (group join included); keys, values and headers byte-identical",
                     verified, count, consumeTime.seconds))
        guard verified == count else { throw ExitCode.failure }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
