/// An offset in a partition of a topic.
public struct KafkaTopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32
    /// The offset. Committed offsets name the next record to read, one past the last processed.
    public var offset: Int64

    /// Creates a topic-partition offset.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// The partition without the offset.
    public var topicPartition: KafkaTopicPartition {
        KafkaTopicPartition(topic: topic, partition: partition)
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}
