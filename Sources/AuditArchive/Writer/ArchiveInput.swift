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
    /// Kafka's timestamp, in milliseconds since the Unix epoch, if any and plausible.
    public var timestampMilliseconds: Int64?

    /// Timestamps a record can honestly carry: the epoch to the end of year 9999. The producer
    /// of a record sets its timestamp, so any other value is treated as none (and never scaled).
    public static let plausibleTimestamps: ClosedRange<Int64> = 0...253_402_300_799_999

    /// Creates an input; a timestamp outside ``plausibleTimestamps`` is dropped.
    public init(offset: Int64, record: EnvelopeRecord, key: ByteBuffer? = nil, timestampMilliseconds: Int64? = nil) {
        self.offset = offset
        self.record = record
        self.key = key
        self.timestampMilliseconds = timestampMilliseconds.flatMap { Self.plausibleTimestamps.contains($0) ? $0 : nil }
    }
}
