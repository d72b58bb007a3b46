import Foundation
import NIOCore

/// Writes an ``ExchangeRecord`` as the JSON `data` of an exchange event.
///
/// Bodies with encoding `json` are copied in verbatim, so their exact bytes can be read back.
public enum ExchangeRecordEncoder {
    /// The JSON bytes of `record`.
    public static func encode(_ record: ExchangeRecord) -> ByteBuffer {
        encode(record, into: ByteBuffer())
    }

    /// The JSON bytes of `record`, written after what `buffer` holds (an empty buffer with room
    /// for ``estimatedBytes(of:)`` is written without growing).
    public static func encode(_ record: ExchangeRecord, into buffer: ByteBuffer) -> ByteBuffer {
        var out = buffer
        out.reserveCapacity(minimumWritableBytes: estimatedBytes(of: record))
        out.writeStaticString("{")
        out.writeJSONKey("specVersion"); out.writeStaticString("1,")
        out.writeJSONKey("exchangeId"); out.writeJSONString(record.exchangeID); out.writeStaticString(",")
        out.writeJSONKey("requestId"); out.writeJSONString(record.requestID); out.writeStaticString(",")
        out.writeJSONKey("route"); out.writeJSONString(record.route); out.writeStaticString(",")
        out.writeJSONKey("method"); out.writeJSONString(record.method); out.writeStaticString(",")
        out.writeJSONKey("target"); out.writeJSONString(record.target); out.writeStaticString(",")
        if let path = record.path { out.writeJSONKey("path"); out.writeJSONString(path); out.writeStaticString(",") }
        if let producer = record.producer { out.writeJSONKey("producer"); out.writeJSONString(producer); out.writeStaticString(",") }
        if let sequence = record.sequence { out.writeJSONKey("sequence"); out.writeString(String(sequence)); out.writeStaticString(",") }
        out.writeJSONKey("status"); writeOptional(record.status, to: &out); out.writeStaticString(",")
        out.writeJSONKey("outcome"); out.writeJSONString(record.outcome.name); out.writeStaticString(",")
        out.writeJSONKey("outcomeDetail"); writeOptional(record.outcomeDetail, to: &out); out.writeStaticString(",")
        out.writeJSONKey("clientAddress"); writeOptional(record.clientAddress, to: &out); out.writeStaticString(",")
        out.writeJSONKey("traceparent"); writeOptional(record.traceparent, to: &out); out.writeStaticString(",")
        out.writeJSONKey("timings"); write(record.timings, to: &out); out.writeStaticString(",")
        out.writeJSONKey("request"); write(record.request, to: &out); out.writeStaticString(",")
        out.writeJSONKey("response"); write(record.response, to: &out); out.writeStaticString(",")
        out.writeJSONKey("redactions")
        out.writeStaticString("[")
        for (index, redaction) in record.redactions.enumerated() {
            if index > 0 { out.writeStaticString(",") }
            out.writeJSONString(redaction)
        }
        out.writeStaticString("]}")
        return out
    }

    /// Room that holds the encoding of `record` unless its headers and texts are unusually long:
    /// the bodies, a third more for base64, and 4 KiB.
    public static func estimatedBytes(of record: ExchangeRecord) -> Int {
        let bodies = record.request.body.data.readableBytes.saturatingAdd(record.response.body.data.readableBytes)
        return bodies.saturatingAdd(bodies / 3).saturatingAdd(4096)
    }

    private static func write(_ timings: ExchangeTimings, to out: inout ByteBuffer) {
        out.writeStaticString("{")
        out.writeJSONKey("start"); out.writeJSONString(RFC3339.format(microseconds: timings.start)); out.writeStaticString(",")
        out.writeJSONKey("firstResponseByte")
        writeOptional(timings.firstResponseByte.map { RFC3339.format(microseconds: $0) }, to: &out)
        out.writeStaticString(",")
        out.writeJSONKey("end"); out.writeJSONString(RFC3339.format(microseconds: timings.end)); out.writeStaticString(",")
        out.writeJSONKey("firstResponseByteMicros"); writeOptional(timings.firstResponseByte.map { Int($0 - timings.start) }, to: &out)
        out.writeStaticString(",")
        out.writeJSONKey("durationMicros"); out.writeString(String(timings.end - timings.start))
        out.writeStaticString("}")
    }

    private static func write(_ message: HTTPMessageRecord, to out: inout ByteBuffer) {
        out.writeStaticString("{")
        out.writeJSONKey("headers")
        out.writeStaticString("[")
        for (index, field) in message.headers.enumerated() {
            if index > 0 { out.writeStaticString(",") }
            out.writeStaticString("[")
            out.writeJSONString(field.name)
            out.writeStaticString(",")
            out.writeJSONString(field.value)
            out.writeStaticString("]")
        }
        out.writeStaticString("],")
        out.writeJSONKey("body")
        write(message.body, to: &out)
        out.writeStaticString("}")
    }

    private static func write(_ body: BodyRecord, to out: inout ByteBuffer) {
        out.writeStaticString("{")
        out.writeJSONKey("size"); out.writeString(String(body.size)); out.writeStaticString(",")
        out.writeJSONKey("captured"); out.writeString(String(body.captured)); out.writeStaticString(",")
        out.writeJSONKey("truncated"); out.writeString(body.truncated ? "true" : "false"); out.writeStaticString(",")
        if let reason = body.truncatedReason {
            out.writeJSONKey("truncatedReason"); out.writeJSONString(reason); out.writeStaticString(",")
        }
        out.writeJSONKey("sha256"); out.writeJSONString(body.sha256); out.writeStaticString(",")
        if body.sha256Of != .wire {
            out.writeJSONKey("sha256Of"); out.writeJSONString(body.sha256Of.rawValue); out.writeStaticString(",")
        }
        let optional: [(StaticString, String?)] = [
            ("wireSha256", body.wireSha256), ("hmacSha256", body.hmacSha256), ("decoded", body.decoded), ("decodeError", body.decodeError),
        ]
        for (key, value) in optional {
            if let value {
                out.writeJSONKey(key); out.writeJSONString(value); out.writeStaticString(",")
            }
        }
        out.writeJSONKey("contentType"); writeOptional(body.contentType, to: &out); out.writeStaticString(",")
        out.writeJSONKey("contentEncoding"); writeOptional(body.contentEncoding, to: &out); out.writeStaticString(",")
        out.writeJSONKey("encoding"); out.writeJSONString(body.encoding.name); out.writeStaticString(",")
        if let jsonError = body.jsonError {
            out.writeJSONKey("jsonError"); out.writeJSONString(jsonError); out.writeStaticString(",")
        }
        if body.encoding == .json {
            // Whitespace around the value is kept beside it, so the value itself stays on one line.
            let (leading, value, trailing) = JSONPadding.split(body.data)
            if leading.readableBytes > 0 {
                out.writeJSONKey("leadingWhitespace"); leading.withUnsafeReadableBytes { _ = out.writeJSONString(utf8: $0) }; out.writeStaticString(",")
            }
            if trailing.readableBytes > 0 {
                out.writeJSONKey("trailingWhitespace"); trailing.withUnsafeReadableBytes { _ = out.writeJSONString(utf8: $0) }; out.writeStaticString(",")
            }
            out.writeJSONKey("data")
            out.writeImmutableBuffer(value)
            out.writeStaticString("}")
            return
        }
        out.writeJSONKey("data")
        switch body.encoding {
        case .text:
            body.data.withUnsafeReadableBytes { _ = out.writeJSONString(utf8: $0) }
        default:
            let encoded = body.data.withUnsafeReadableBytes { Data($0).base64EncodedData() }
            out.writeStaticString("\"")
            out.writeBytes(encoded)
            out.writeStaticString("\"")
        }
        out.writeStaticString("}")
    }

    private static func writeOptional(_ value: String?, to out: inout ByteBuffer) {
        if let value { out.writeJSONString(value) } else { out.writeStaticString("null") }
    }

    private static func writeOptional(_ value: Int?, to out: inout ByteBuffer) {
        if let value { out.writeString(String(value)) } else { out.writeStaticString("null") }
    }
}
