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
    /// The segment file it came from.
    public var segmentPath: String
}
