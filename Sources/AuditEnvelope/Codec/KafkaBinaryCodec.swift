import NIOCore

/// The CloudEvents Kafka protocol binding, binary content mode: context attributes in `ce_*`
/// headers, `data` as the record value.
public enum KafkaBinaryCodec {
    /// A Kafka record header (kept free of any Kafka client type).
    public struct Header: Sendable, Hashable {
        /// The header name.
        public var name: String
        /// The header value.
        public var value: String

        /// Creates a header.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The headers that carry `envelope`'s context attributes.
    public static func headers(for envelope: AuditEnvelope) -> [Header] {
        [
            Header(name: "ce_specversion", value: AuditEnvelope.specVersion),
            Header(name: "ce_id", value: envelope.id),
            Header(name: "ce_source", value: envelope.source),
            Header(name: "ce_type", value: envelope.type),
            Header(name: "ce_time", value: RFC3339.format(microseconds: envelope.time)),
            Header(name: "content-type", value: AuditEnvelope.dataContentType),
        ]
    }

    /// Rebuilds an envelope from a record's headers and value.
    /// - Throws: ``EnvelopeError`` when a required `ce_*` header is missing or invalid.
    public static func decode(headers: [Header], value: ByteBuffer) throws(EnvelopeError) -> AuditEnvelope {
        func header(_ name: String) throws(EnvelopeError) -> String {
            guard let value = headers.last(where: { $0.name == name })?.value else {
                throw EnvelopeError(.missingField, "header \(name) is missing")
            }
            return value
        }
        let specVersion = try header("ce_specversion")
        guard specVersion == AuditEnvelope.specVersion else {
            throw EnvelopeError(.unsupportedEvent, "ce_specversion '\(specVersion)' is not \(AuditEnvelope.specVersion)")
        }
        let timeText = try header("ce_time")
        guard let time = RFC3339.parse(timeText) else {
            throw EnvelopeError(.invalidField, "header ce_time is not an RFC 3339 time")
        }
        return AuditEnvelope(id: try header("ce_id"), source: try header("ce_source"), type: try header("ce_type"), time: time, data: value)
    }
}
