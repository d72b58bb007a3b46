import AuditEnvelope
import NIOCore

/// One envelope read back from an archive.
public struct ArchivedExchange: Sendable {
    /// The archive line (CloudEvents structured mode), as stored.
    public var line: ByteBuffer
    /// The envelope.
    public var envelope: AuditEnvelope
    /// The decoded exchange, when the query needed it or asked for it.
    public var record: ExchangeRecord?
    /// The decoded drop notice, when the line is one and the query asked for decoded records.
    public var dropNotice: DropNotice?
    /// The decoded producer mark, when the line is one and the query asked for decoded records.
    public var mark: ProducerMark?
    /// The segment it came from.
    public var segment: ArchiveCatalog.Entry
    /// Its line number in the segment file, from 1 (its leaf is number `lineNumber - 1` of the
    /// segment's Merkle tree).
    public var lineNumber: Int

    /// The segment file it came from.
    public var segmentPath: String { segment.path(.segment) }
}
