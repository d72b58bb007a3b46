/// Where the broker stored a produced record.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The topic the record was stored in.
    public var topic: String
    /// The partition the record was stored in.
    public var partition: Int32
    /// The record's offset, or `nil` when the broker did not report one (`acks=0`).
    public var offset: Int64?

    /// Creates a delivery report.
    public init(topic: String, partition: Int32, offset: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}
