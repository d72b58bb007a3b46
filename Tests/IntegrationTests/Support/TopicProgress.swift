import Foundation
import Kafka

/// What consumer groups have done with a topic, read from the broker: the event an archive test
/// waits for is "every record the topic holds is committed", which a consumer does only once
/// those records are durable in the archive.
enum TopicProgress {
    /// Waits until, on every partition of `topic`, one of `groups` has committed the partition's
    /// high watermark (the offset the next record will get). With several groups archiving to one
    /// root, whichever published a partition's newest segment committed it; the others resume
    /// after it without committing.
    static func waitUntilCommitted(topic: String, groups: [String], bootstrap: String? = nil, timeout: Duration = .seconds(90)) async throws {
        var readers: [(group: String, consumer: KafkaConsumer)] = []
        for group in groups {
            var configuration = try IntegrationBroker.consumerConfiguration(group: group)
            if let bootstrap { configuration.bootstrapServers = [bootstrap] }
            readers.append((group, try KafkaConsumer(configuration: configuration, logger: IntegrationBroker.logger)))
        }
        do {
            try await waitUntilCommitted(topic: topic, readers: readers, timeout: timeout)
        } catch {
            for reader in readers { try? await reader.consumer.close() }
            throw error
        }
        for reader in readers { try? await reader.consumer.close() }
    }

    /// ``waitUntilCommitted(topic:groups:bootstrap:timeout:)`` for one group.
    static func waitUntilCommitted(topic: String, group: String, bootstrap: String? = nil, timeout: Duration = .seconds(90)) async throws {
        try await waitUntilCommitted(topic: topic, groups: [group], bootstrap: bootstrap, timeout: timeout)
    }

    private static func waitUntilCommitted(topic: String, readers: [(group: String, consumer: KafkaConsumer)], timeout: Duration) async throws {
        guard let any = readers.first?.consumer else { return }
        var lagging = "nothing read yet"
        let groups = readers.map(\.group).joined(separator: ", ")
        try await Waiting.until("groups \(groups) to commit the end of \(topic)", timeout: timeout, interval: .milliseconds(500), detail: { lagging }) {
            let metadata = try await any.metadata(timeout: .seconds(5))
            guard let count = metadata.partitionCounts[topic], count > 0 else {
                lagging = "\(topic) not in the metadata"
                return false
            }
            let partitions = (0..<count).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }
            var committed: [Int32: Int64] = [:]
            for reader in readers {
                for offset in try await reader.consumer.committedOffsets(for: partitions, timeout: .seconds(5)) {
                    committed[offset.partition] = max(committed[offset.partition] ?? -1, offset.offset)
                }
            }
            var behind: [String] = []
            for partition in partitions {
                let high = try await any.watermarks(for: partition, timeout: .seconds(5)).high
                let offset = committed[partition.partition] ?? -1
                if high > 0, offset < high { behind.append("\(partition.partition): committed \(offset) of \(high)") }
            }
            lagging = behind.joined(separator: ", ")
            return behind.isEmpty
        }
    }
}
