import NIOCore

/// CloudEvents structured content mode (JSON event format): one JSON object holding the context
/// attributes and `data`, as written to archive lines.
public enum StructuredCodec {
    /// The JSON object of `envelope`, without a trailing newline. `data` is copied in verbatim.
    public static func encode(_ envelope: AuditEnvelope) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(envelope.data.readableBytes + 512)
        write(envelope, to: &out)
        return out
    }

    /// Appends the JSON object of `envelope` to `out`.
    public static func write(_ envelope: AuditEnvelope, to out: inout ByteBuffer) {
        out.writeStaticString("{")
        out.writeJSONKey("specversion"); out.writeJSONString(AuditEnvelope.specVersion); out.writeStaticString(",")
        out.writeJSONKey("id"); out.writeJSONString(envelope.id); out.writeStaticString(",")
        out.writeJSONKey("source"); out.writeJSONString(envelope.source); out.writeStaticString(",")
        out.writeJSONKey("type"); out.writeJSONString(envelope.type); out.writeStaticString(",")
        out.writeJSONKey("time"); out.writeJSONString(RFC3339.format(microseconds: envelope.time)); out.writeStaticString(",")
        out.writeJSONKey("datacontenttype"); out.writeJSONString(AuditEnvelope.dataContentType); out.writeStaticString(",")
        out.writeJSONKey("data")
        var data = envelope.data
        out.writeBuffer(&data)
        out.writeStaticString("}")
    }

    /// Reads one structured-mode event; `data` comes back byte for byte.
    /// - Throws: ``EnvelopeError`` when the line is not a CloudEvents 1.0 JSON event.
    public static func decode(_ line: ByteBuffer) throws(EnvelopeError) -> AuditEnvelope {
        try line.withUnsafeReadableBytes { bytes throws(EnvelopeError) in
            let reader: JSONReader
            let root: Range<Int>
            do throws(JSONScanError) { (reader, root) = try JSONReader.validating(bytes) } catch { throw EnvelopeError(error, in: "event") }
            let fields = try JSONObjectFields(reader: reader, range: root, path: "event")
            let specVersion = try fields.string("specversion")
            guard specVersion == AuditEnvelope.specVersion else {
                throw EnvelopeError(.unsupportedEvent, "specversion '\(specVersion)' is not \(AuditEnvelope.specVersion)")
            }
            guard let time = RFC3339.parse(try fields.string("time")) else {
                throw EnvelopeError(.invalidField, "event.time is not an RFC 3339 time")
            }
            let data = try fields.member("data").value
            return AuditEnvelope(
                id: try fields.string("id"),
                source: try fields.string("source"),
                type: try fields.string("type"),
                time: time,
                data: ByteBuffer(bytes: reader.bytes(in: data))
            )
        }
    }
}
