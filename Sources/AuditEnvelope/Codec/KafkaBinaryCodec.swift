import NIOCore

/// The CloudEvents Kafka protocol binding, binary content mode: context attributes in `ce_*`
/// headers, `data` as the record value.
public enum KafkaBinaryCodec {
    /// The headers that carry `envelope`'s context attributes.
    public static func headers(for envelope: AuditEnvelope) -> [HeaderField] {
        [
            HeaderField(name: "ce_specversion", value: AuditEnvelope.specVersion),
            HeaderField(name: "ce_id", value: envelope.id),
            HeaderField(name: "ce_source", value: envelope.source),
            HeaderField(name: "ce_type", value: envelope.type),
            HeaderField(name: "ce_time", value: RFC3339.format(microseconds: envelope.time)),
            HeaderField(name: "content-type", value: AuditEnvelope.dataContentType),
        ]
    }

    /// Rebuilds an envelope from a record's headers and value.
    /// - Throws: ``EnvelopeError`` when a required `ce_*` header is missing or invalid.
    public static func decode(headers: [HeaderField], value: ByteBuffer) throws(EnvelopeError) -> AuditEnvelope {
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
