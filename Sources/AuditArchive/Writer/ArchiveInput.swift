import AuditEnvelope
import NIOCore

/// One Kafka record handed to a ``PartitionArchiver``, kept free of any Kafka client type.
public struct ArchiveInput: Sendable {
    /// Its offset in the partition.
    public var offset: Int64
    /// Its headers and value.
    public var record: EnvelopeRecord
    /// Its key, if any.
    public var key: ByteBuffer?
    /// Kafka's timestamp, in milliseconds since the Unix epoch, if any.
    public var timestampMilliseconds: Int64?

    /// Creates an input.
    public init(offset: Int64, record: EnvelopeRecord, key: ByteBuffer? = nil, timestampMilliseconds: Int64? = nil) {
        self.offset = offset
        self.record = record
        self.key = key
        self.timestampMilliseconds = timestampMilliseconds
    }
}
