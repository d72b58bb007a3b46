import Foundation
import Kafka
import Logging

/// Reads every checkpoint on the witness topic, from the beginning to each partition's high
/// watermark as it was when reading started and then until a second passes without a record,
/// with a consumer group of its own that commits nothing.
public enum WitnessReader {
    /// Reads the checkpoints of `topic`.
    /// - Parameters:
    ///   - configuration: Brokers and any security settings; the group id is replaced.
    ///   - timeout: How long the whole read may take.
    /// - Returns: The checkpoints, and the witness records that are not checkpoints (reported by
    ///   the caller, never trusted).
    /// - Throws: ``KafkaError`` when the topic cannot be read to its end within `timeout`.
    public static func read(
        topic: String,
        configuration: KafkaConsumerConfiguration,
        timeout: Duration,
        logger: Logger
    ) async throws -> (checkpoints: [WitnessCheckpoint], invalid: [String]) {
        var configuration = configuration
        configuration.groupID = "audit-archive-verify-\(UUID().uuidString)"
        configuration.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let deadline = ContinuousClock.now + timeout
        let metadata = try await consumer.metadata(allTopics: false, timeout: timeout)
        guard let partitions = metadata.partitionCounts[topic], partitions > 0 else {
            try? await consumer.close()
            throw KafkaError(.consumer, reason: "the witness topic \(topic) does not exist on the brokers")
        }
        var remaining: [Int32: Int64] = [:]
        for partition in 0..<Int32(partitions) {
            let marks = try await consumer.watermarks(for: KafkaTopicPartition(topic: topic, partition: partition), timeout: .seconds(10))
            if marks.high > marks.low { remaining[partition] = marks.high }
        }
        var checkpoints: [WitnessCheckpoint] = []
        var invalid: [String] = []
        if !remaining.isEmpty {
            try consumer.subscribe(topics: [topic])
            for try await event in consumer.events(idleAfter: .seconds(1)) {
                if case .message(let message) = event {
                    do throws(ArchiveError) {
                        checkpoints.append(try WitnessCheckpoint.decode(message.value))
                    } catch {
                        invalid.append("\(message.position): \(error.reason)")
                    }
                    if let high = remaining[message.partition], message.offset + 1 >= high { remaining[message.partition] = nil }
                }
                // Past every watermark, then a second without a record: a broker whose watermarks
                // lag its log (Tansu's can, by a record) has delivered the rest by then.
                if remaining.isEmpty, case .idle = event { break }
                guard ContinuousClock.now < deadline else {
                    try? await consumer.close()
                    throw KafkaError(.timedOut, reason: "the witness topic \(topic) was not read to its end within \(timeout) (partitions \(remaining.keys.sorted()) unfinished)")
                }
            }
        }
        try? await consumer.close()
        return (checkpoints, invalid)
    }
}
