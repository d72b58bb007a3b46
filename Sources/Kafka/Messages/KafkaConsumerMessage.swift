import NIOCore

/// A record read by a ``KafkaConsumer``.
public struct KafkaConsumerMessage: Sendable {
    /// The topic the record was read from.
    public var topic: String
    /// The partition the record was read from.
    public var partition: Int32
    /// The record's offset in its partition.
    public var offset: Int64
    /// The record key, if any.
    public var key: ByteBuffer?
    /// The record value (empty for a null value).
    public var value: ByteBuffer
    /// The record headers, in order.
    public var headers: [KafkaHeader]
    /// The record timestamp in milliseconds since the epoch, if the broker provided one.
    public var timestampMilliseconds: Int64?

    /// Creates a record; consumers create these, tests may too.
    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: ByteBuffer?,
        value: ByteBuffer,
        headers: [KafkaHeader],
        timestampMilliseconds: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// The topic, partition and offset of this record.
    public var position: KafkaTopicPartitionOffset {
        KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: offset)
    }
}
