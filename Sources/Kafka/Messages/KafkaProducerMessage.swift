import NIOCore

/// A record to produce.
public struct KafkaProducerMessage: Sendable {
    /// The topic to produce to.
    public var topic: String
    /// The partition, or `nil` to let the partitioner choose by key.
    public var partition: Int32?
    /// The record key; records with the same key go to the same partition.
    public var key: ByteBuffer?
    /// The record value.
    public var value: ByteBuffer
    /// The record headers, in order.
    public var headers: [KafkaHeader]

    /// Creates a record.
    /// - Parameters:
    ///   - topic: The topic to produce to.
    ///   - partition: A partition, or `nil` (the default) to partition by key.
    ///   - key: The record key, or `nil`.
    ///   - value: The record value.
    ///   - headers: The record headers.
    public init(
        topic: String,
        partition: Int32? = nil,
        key: ByteBuffer? = nil,
        value: ByteBuffer,
        headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }
}
