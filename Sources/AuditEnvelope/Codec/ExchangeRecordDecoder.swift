import Foundation
import NIOCore

/// Reads the JSON `data` of an exchange event back into an ``ExchangeRecord``; body bytes come
/// back exactly as they were captured.
public enum ExchangeRecordDecoder {
    /// Decodes `data`.
    /// - Throws: ``EnvelopeError`` naming the first missing or malformed field.
    public static func decode(_ data: ByteBuffer) throws(EnvelopeError) -> ExchangeRecord {
        try data.withUnsafeReadableBytes { bytes throws(EnvelopeError) in
            let reader: JSONReader
            let root: Range<Int>
            do throws(JSONScanError) { (reader, root) = try JSONReader.validating(bytes) } catch { throw EnvelopeError(error, in: "data") }
            return try decode(JSONObjectFields(reader: reader, range: root, path: "data"))
        }
    }

    static func decode(_ fields: JSONObjectFields) throws(EnvelopeError) -> ExchangeRecord {
        let outcomeName = try fields.string("outcome")
        guard let outcome = ExchangeOutcome(name: outcomeName) else {
            throw EnvelopeError(.invalidField, "data.outcome: unknown outcome '\(outcomeName)'")
        }
        return ExchangeRecord(
            exchangeID: try fields.string("exchangeId"),
            requestID: try fields.string("requestId"),
            route: try fields.string("route"),
            method: try fields.string("method"),
            target: try fields.string("target"),
            path: try fields.optionalString("path"),
            status: try fields.optionalInteger("status"),
            outcome: outcome,
            outcomeDetail: try fields.optionalString("outcomeDetail"),
            clientAddress: try fields.optionalString("clientAddress"),
            traceparent: try fields.optionalString("traceparent"),
            timings: try timings(fields.object("timings")),
            request: try message(fields.object("request")),
            response: try message(fields.object("response")),
            redactions: try fields.array("redactions").map { range throws(EnvelopeError) in
                do throws(JSONScanError) { return try fields.reader.string(at: range) } catch { throw EnvelopeError(.invalidField, "data.redactions: \(error.reason)") }
            },
            producer: try fields.optionalString("producer"),
            sequence: try sequence(fields)
        )
    }

    private static func sequence(_ fields: JSONObjectFields) throws(EnvelopeError) -> Int64? {
        guard let value = try fields.optionalInteger("sequence") else { return nil }
        guard SequenceNumber.valid.contains(Int64(value)) else {
            throw EnvelopeError(.invalidField, "data.sequence: \(value) is not a sequence number (1 to 2^53 - 1)")
        }
        return Int64(value)
    }

    private static func timings(_ fields: JSONObjectFields) throws(EnvelopeError) -> ExchangeTimings {
        func time(_ key: String) throws(EnvelopeError) -> Int64? {
            guard let text = try fields.optionalString(key) else { return nil }
            guard let value = RFC3339.parse(text) else { throw EnvelopeError(.invalidField, "\(fields.path).\(key): not an RFC 3339 time") }
            return value
        }
        guard let start = try time("start") else { throw EnvelopeError(.missingField, "\(fields.path).start is missing") }
        guard let end = try time("end") else { throw EnvelopeError(.missingField, "\(fields.path).end is missing") }
        return ExchangeTimings(start: start, firstResponseByte: try time("firstResponseByte"), end: end)
    }

    private static func message(_ fields: JSONObjectFields) throws(EnvelopeError) -> HTTPMessageRecord {
        let reader = fields.reader
        var headers: [HeaderField] = []
        for pair in try fields.array("headers") {
            do throws(JSONScanError) {
                let parts = try reader.elements(of: pair)
                guard parts.count == 2 else { throw JSONScanError(offset: pair.lowerBound, reason: "a header is a [name, value] pair") }
                headers.append(HeaderField(name: try reader.string(at: parts[0]), value: try reader.string(at: parts[1])))
            } catch {
                throw EnvelopeError(.invalidField, "\(fields.path).headers: \(error.reason)")
            }
        }
        return HTTPMessageRecord(headers: headers, body: try body(fields.object("body")))
    }

    private static func body(_ fields: JSONObjectFields) throws(EnvelopeError) -> BodyRecord {
        let encodingName = try fields.string("encoding")
        guard let encoding = BodyEncoding(name: encodingName) else {
            throw EnvelopeError(.invalidField, "\(fields.path).encoding: unknown encoding '\(encodingName)'")
        }
        let dataMember = try fields.member("data")
        let data: ByteBuffer
        switch encoding {
        case .json:
            var joined = ByteBuffer(string: try fields.optionalString("leadingWhitespace") ?? "")
            joined.writeBytes(fields.reader.bytes(in: dataMember.value))
            joined.writeString(try fields.optionalString("trailingWhitespace") ?? "")
            data = joined
        case .text:
            data = ByteBuffer(string: try fields.string("data"))
        default:
            guard let decoded = Data(base64Encoded: try fields.string("data")) else {
                throw EnvelopeError(.invalidField, "\(fields.path).data: invalid base64")
            }
            data = ByteBuffer(bytes: decoded)
        }
        let size = try fields.integer("size")
        let captured = try fields.integer("captured")
        guard size >= 0, captured >= 0 else {
            throw EnvelopeError(.invalidField, "\(fields.path): size \(size) and captured \(captured) must not be negative")
        }
        var body = BodyRecord(
            size: size,
            captured: captured,
            truncated: try fields.bool("truncated"),
            sha256: try fields.string("sha256"),
            contentType: try fields.optionalString("contentType"),
            contentEncoding: try fields.optionalString("contentEncoding"),
            encoding: encoding,
            data: data,
            jsonError: try fields.optionalString("jsonError")
        )
        body.truncatedReason = try fields.optionalString("truncatedReason")
        if let scope = try fields.optionalString("sha256Of") {
            guard let parsed = DigestScope(rawValue: scope) else {
                throw EnvelopeError(.invalidField, "\(fields.path).sha256Of: '\(scope)' is not wire or stored")
            }
            body.sha256Of = parsed
        }
        body.wireSha256 = try fields.optionalString("wireSha256")
        body.hmacSha256 = try fields.optionalString("hmacSha256")
        body.decoded = try fields.optionalString("decoded")
        body.decodeError = try fields.optionalString("decodeError")
        return body
    }
}
