import AuditCapture
import AuditEnvelope
import HTTPTypes
import NIOCore

/// A captured exchange kept in the spool as it was captured, its envelope not built yet: what an
/// overflow spills, so that the connection it came from waits for a copy and a write, not for
/// redaction and encoding. Replay builds the envelope (``AuditPublisher``'s replay).
///
/// The bytes are as the client and the app sent them, not redacted: the spool directory holds
/// them until the replay deletes the segment (README, "Spool").
///
/// The entry's value (big-endian): a version byte (1); exchange id, request id, route, method,
/// target, path, outcome (strings: u32 length, UTF-8); outcome detail and client address
/// (optional strings: a presence byte, then the string); status and sequence (optional i64);
/// timings (i64 start, optional i64 first response byte, i64 end); request then response headers
/// (u32 count, then name and value strings); request then response body (i64 size, truncated
/// byte, optional reason string, complete byte, optional 32-byte whole-body digest, u32 length
/// and the kept bytes). Its headers are ``marker``, `ce_id` and the sequence header.
enum SpooledExchange {
    /// The entry header that marks a spooled exchange; its value names the layout.
    static let marker = HeaderField(name: "auditshipper_spooled", value: "captured-exchange.v1")
    private static let version: UInt8 = 1

    /// Whether `entry` holds a captured exchange rather than a built envelope.
    static func isSpooledExchange(_ entry: SpoolEntry) -> Bool {
        entry.record.headers.contains { $0.name == marker.name }
    }

    /// The spool entry of `exchange`, sent to Kafka under `key` once built.
    static func entry(for exchange: CapturedExchange, key: String) -> SpoolEntry {
        var value = ByteBuffer()
        value.reserveCapacity(exchange.requestBody.keptBytes + exchange.responseBody.keptBytes + 1024)
        value.writeInteger(version)
        for text in [exchange.exchangeID, exchange.requestID, exchange.route, exchange.method, exchange.target, exchange.path, exchange.outcome.name] {
            value.writeText(text)
        }
        value.writeOptional(exchange.outcomeDetail) { $0.writeText($1) }
        value.writeOptional(exchange.clientAddress) { $0.writeText($1) }
        value.writeOptional(exchange.status.map(Int64.init)) { $0.writeInteger($1) }
        value.writeOptional(exchange.sequence) { $0.writeInteger($1) }
        value.writeInteger(exchange.timings.start)
        value.writeOptional(exchange.timings.firstResponseByte) { $0.writeInteger($1) }
        value.writeInteger(exchange.timings.end)
        value.writeFields(exchange.requestHeaders)
        value.writeFields(exchange.responseHeaders)
        value.writeBody(exchange.requestBody)
        value.writeBody(exchange.responseBody)
        var headers = [marker, HeaderField(name: "ce_id", value: exchange.exchangeID)]
        if let sequence = exchange.sequence {
            headers.append(HeaderField(name: AuditPublisher.sequenceHeader, value: String(sequence)))
        }
        return SpoolEntry(key: ByteBuffer(string: key), record: EnvelopeRecord(headers: headers, value: value))
    }

    /// The exchange a spooled entry holds; `nil` when its value is not one (damaged or planted).
    /// Every length and count is checked against the bytes there are; the bodies are slices of
    /// the entry's buffer, not copies.
    static func exchange(from entry: SpoolEntry) -> CapturedExchange? {
        var value = entry.record.value
        guard value.readInteger(as: UInt8.self) == version else { return nil }
        var texts: [String] = []
        for _ in 0..<7 {
            guard let text = value.readText() else { return nil }
            texts.append(text)
        }
        guard let outcome = ExchangeOutcome(name: texts[6]),
            let outcomeDetail = value.readOptional({ $0.readText() }),
            let clientAddress = value.readOptional({ $0.readText() }),
            let status = value.readOptional({ $0.readInteger(as: Int64.self) }),
            let sequence = value.readOptional({ $0.readInteger(as: Int64.self) }),
            let start = value.readInteger(as: Int64.self),
            let firstResponseByte = value.readOptional({ $0.readInteger(as: Int64.self) }),
            let end = value.readInteger(as: Int64.self),
            let requestHeaders = value.readFields(),
            let responseHeaders = value.readFields(),
            let requestBody = value.readBody(),
            let responseBody = value.readBody(),
            value.readableBytes == 0
        else { return nil }
        guard status.map({ (100...999).contains($0) }) ?? true else { return nil }
        return CapturedExchange(
            exchangeID: texts[0], requestID: texts[1], route: texts[2], method: texts[3], target: texts[4], path: texts[5],
            requestHeaders: requestHeaders, requestBody: requestBody, status: status.map { Int($0) },
            responseHeaders: responseHeaders, responseBody: responseBody, outcome: outcome, outcomeDetail: outcomeDetail,
            clientAddress: clientAddress, timings: ExchangeTimings(start: start, firstResponseByte: firstResponseByte, end: end),
            sequence: sequence
        )
    }
}

extension CapturedBody {
    /// The bytes kept, over all chunks.
    fileprivate var keptBytes: Int { chunks.reduce(0) { $0 + $1.readableBytes } }
}

extension ByteBuffer {
    fileprivate mutating func writeText(_ text: String) {
        writeInteger(UInt32(text.utf8.count))
        writeString(text)
    }

    fileprivate mutating func readText() -> String? {
        guard let length = readInteger(as: UInt32.self), Int(length) <= readableBytes else { return nil }
        return readString(length: Int(length))
    }

    fileprivate mutating func writeOptional<Value>(_ value: Value?, _ write: (inout ByteBuffer, Value) -> Void) {
        guard let value else {
            writeInteger(UInt8(0))
            return
        }
        writeInteger(UInt8(1))
        write(&self, value)
    }

    /// `.some(nil)` when absent, `nil` when the bytes are not an optional value.
    fileprivate mutating func readOptional<Value>(_ read: (inout ByteBuffer) -> Value?) -> Value?? {
        switch readInteger(as: UInt8.self) {
        case 0: return .some(nil)
        case 1: return read(&self).map { .some($0) }
        default: return nil
        }
    }

    fileprivate mutating func writeFields(_ fields: HTTPFields) {
        writeInteger(UInt32(fields.count))
        for field in fields {
            writeText(field.name.rawName)
            writeText(field.value)
        }
    }

    fileprivate mutating func readFields() -> HTTPFields? {
        guard let count = readInteger(as: UInt32.self) else { return nil }
        var fields = HTTPFields()
        // Each field takes at least 8 bytes, so a planted count ends the loop at the bytes' end.
        for _ in 0..<count {
            guard let name = readText(), let value = readText(), let fieldName = HTTPField.Name(name) else { return nil }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    fileprivate mutating func writeBody(_ body: CapturedBody) {
        writeInteger(Int64(body.size))
        writeInteger(UInt8(body.truncated ? 1 : 0))
        writeOptional(body.truncatedReason) { $0.writeText($1) }
        writeInteger(UInt8(body.isComplete ? 1 : 0))
        writeOptional(body.wholeBodyDigest) { $0.writeBytes($1.bytes) }
        writeInteger(UInt32(body.keptBytes))
        for chunk in body.chunks { writeImmutableBuffer(chunk) }
    }

    fileprivate mutating func readBody() -> CapturedBody? {
        guard let size = readInteger(as: Int64.self), size >= 0,
            let truncated = readFlag(),
            let reason = readOptional({ $0.readText() }),
            let isComplete = readFlag(),
            let digest = readOptional({ $0.readBytes(length: 32).flatMap(SHA256Digest.init(bytes:)) }),
            let length = readInteger(as: UInt32.self), Int(length) <= readableBytes, Int64(length) <= size,
            let kept = readSlice(length: Int(length))
        else { return nil }
        return CapturedBody(
            chunks: kept.readableBytes == 0 ? [] : [kept], size: Int(size), truncated: truncated, truncatedReason: reason,
            isComplete: isComplete, wholeBodyDigest: digest
        )
    }

    private mutating func readFlag() -> Bool? {
        switch readInteger(as: UInt8.self) {
        case 0: return false
        case 1: return true
        default: return nil
        }
    }
}
