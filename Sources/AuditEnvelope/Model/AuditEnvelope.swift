import NIOCore

/// An AuditShipper exchange event: CloudEvents 1.0 context attributes and the JSON `data` of an
/// ``ExchangeRecord``.
public struct AuditEnvelope: Sendable, Equatable {
    /// The CloudEvents version written and accepted.
    public static let specVersion = "1.0"
    /// The CloudEvents `type` of envelope v1.
    public static let eventType = "dev.auditshipper.http.exchange.v1"
    /// The media type of `data`.
    public static let dataContentType = "application/json"

    /// The event id: the exchange id.
    public var id: String
    /// Who produced the event, e.g. `audit-producer/orders-7d9f` (service/instance).
    public var source: String
    /// The CloudEvents `type`.
    public var type: String
    /// When the exchange started, in microseconds since the Unix epoch.
    public var time: Int64
    /// The encoded ``ExchangeRecord``.
    public var data: ByteBuffer

    /// Creates an envelope around encoded data.
    public init(id: String, source: String, type: String = AuditEnvelope.eventType, time: Int64, data: ByteBuffer) {
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.data = data
    }

    /// Creates the envelope of `record`.
    public init(record: ExchangeRecord, source: String) {
        self.init(id: record.exchangeID, source: source, time: record.timings.start, data: ExchangeRecordEncoder.encode(record))
    }

    /// Decodes ``data``.
    /// - Throws: ``EnvelopeError`` when the event is not a v1 exchange or its data is malformed.
    public func record() throws(EnvelopeError) -> ExchangeRecord {
        guard type == Self.eventType else {
            throw EnvelopeError(.unsupportedEvent, "event type '\(type)' is not \(Self.eventType)")
        }
        return try ExchangeRecordDecoder.decode(data)
    }
}
