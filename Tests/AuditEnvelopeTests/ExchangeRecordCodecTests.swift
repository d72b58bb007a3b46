import AuditEnvelope
import Foundation
import NIOCore
import Testing

@Suite("Exchange record codec")
struct ExchangeRecordCodecTests {
    static func body(_ bytes: [UInt8], contentType: String?, contentEncoding: String? = nil, truncated: Bool = false) -> BodyRecord {
        BodyRecord(size: bytes.count + (truncated ? 10 : 0), truncated: truncated, sha256: String(repeating: "ab", count: 32),
                   contentType: contentType, contentEncoding: contentEncoding, data: ByteBuffer(bytes: bytes))
    }

    static func record(request: BodyRecord, response: BodyRecord) -> ExchangeRecord {
        ExchangeRecord(
            exchangeID: "0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", requestID: "req-1", route: "/api/orders/{id}",
            method: "POST", target: "/api/orders/7?verbose=true", path: "/api/orders/7", status: 201, outcome: .completed, outcomeDetail: nil,
            clientAddress: "127.0.0.1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            timings: ExchangeTimings(start: 1_795_258_073_516_123, firstResponseByte: 1_795_258_073_517_000, end: 1_795_258_073_520_000),
            request: HTTPMessageRecord(headers: [HeaderField(name: "Content-Type", value: "application/json"), HeaderField(name: "X-Dup", value: "1"), HeaderField(name: "X-Dup", value: "2")], body: request),
            response: HTTPMessageRecord(headers: [HeaderField(name: "Authorization", value: "[REDACTED]")], body: response),
            redactions: ["response.headers.authorization"]
        )
    }

    @Test("a JSON body is embedded verbatim and its exact bytes come back, whitespace included")
    func jsonVerbatim() throws {
        let raw = Array(" {\"b\": 2,   \"a\": [1.50, \"\\u00e9\"]}\n".utf8)
        let record = Self.record(request: Self.body(raw, contentType: "application/json"), response: Self.body([], contentType: nil))
        #expect(record.request.body.encoding == .json)
        let encoded = ExchangeRecordEncoder.encode(record)
        let text = String(buffer: encoded)
        #expect(text.contains(#""data":{"b": 2,   "a": [1.50, "\u00e9"]}"#))
        #expect(text.contains(#""leadingWhitespace":" ","trailingWhitespace":"\n""#))
        #expect(!text.contains("\n"))
        let decoded = try ExchangeRecordDecoder.decode(encoded)
        #expect(decoded == record)
        #expect(Array(buffer: decoded.request.body.data) == raw)
    }

    @Test("pretty-printed JSON is kept as text so that every event stays on one line, and comes back exactly")
    func prettyPrintedJSON() throws {
        let raw = Array("{\n  \"a\": 1,\r\n  \"b\": [true]\n}\n".utf8)
        let record = Self.record(request: Self.body(raw, contentType: "application/json"), response: Self.body([], contentType: nil))
        #expect(record.request.body.encoding == .text)
        #expect(record.request.body.jsonError == nil)
        let line = StructuredCodec.encode(AuditEnvelope(record: record, source: "s"))
        #expect(!line.readableBytesView.contains(0x0A) && !line.readableBytesView.contains(0x0D))
        let decoded = try StructuredCodec.decode(line).record()
        #expect(Array(buffer: decoded.request.body.data) == raw)
    }

    @Test("text and binary bodies round-trip exactly; invalid JSON is flagged, not rejected")
    func textAndBinary() throws {
        let text = Array("not json: \"quoted\"\n\ttab \\ back é 😀 \u{1}".utf8)
        let binary: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFE, 0x00, 0x80]
        let record = Self.record(
            request: Self.body(text, contentType: "application/json; charset=utf-8"),
            response: Self.body(binary, contentType: "application/octet-stream")
        )
        #expect(record.request.body.encoding == .text)
        #expect(record.request.body.jsonError != nil)
        #expect(record.response.body.encoding == .base64)
        #expect(record.response.body.jsonError == nil)
        let decoded = try ExchangeRecordDecoder.decode(ExchangeRecordEncoder.encode(record))
        #expect(decoded == record)
        #expect(Array(buffer: decoded.request.body.data) == text)
        #expect(Array(buffer: decoded.response.body.data) == binary)
    }

    @Test("a truncated JSON body is kept as text with the reason, and gzip bodies stay as received")
    func truncatedAndCompressed() throws {
        let truncated = Self.body(Array(#"{"items":[1,2,3"#.utf8), contentType: "application/json", truncated: true)
        #expect(truncated.encoding == .text)
        #expect(truncated.jsonError?.contains("end of input") == true)
        let gzip = Self.body(Array(#"{"looks":"like json"}"#.utf8), contentType: "application/json", contentEncoding: "gzip")
        #expect(gzip.encoding == .base64)
        #expect(gzip.jsonError?.contains("gzip") == true)
        let decoded = try ExchangeRecordDecoder.decode(ExchangeRecordEncoder.encode(Self.record(request: truncated, response: gzip)))
        #expect(decoded.request.body == truncated)
        #expect(decoded.response.body == gzip)
    }

    @Test("the encoded data is valid JSON that other parsers read")
    func otherParsersRead() throws {
        let record = Self.record(
            request: Self.body(Array(#"{"a":1}"#.utf8), contentType: "application/json"),
            response: Self.body([0, 1, 2], contentType: nil)
        )
        let encoded = ExchangeRecordEncoder.encode(record)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(encoded.readableBytesView)) as? [String: Any])
        #expect(object["exchangeId"] as? String == record.exchangeID)
        #expect(object["status"] as? Int == 201)
        let timings = try #require(object["timings"] as? [String: Any])
        #expect(timings["durationMicros"] as? Int == 3877)
        #expect(timings["start"] as? String == "2026-11-21T10:47:53.516123Z")
    }

    @Test("decoding names the missing field")
    func missingField() {
        let error = #expect(throws: EnvelopeError.self) {
            try ExchangeRecordDecoder.decode(ByteBuffer(string: #"{"exchangeId":"x"}"#))
        }
        #expect(error?.code == .missingField)
        let malformed = #expect(throws: EnvelopeError.self) {
            try ExchangeRecordDecoder.decode(ByteBuffer(string: #"{"exchangeId":"#))
        }
        #expect(malformed?.code == .malformedJSON)
    }

    @Test("binary and structured CloudEvents modes carry the same event")
    func cloudEventModes() throws {
        let record = Self.record(request: Self.body(Array("[1]".utf8), contentType: "application/json"), response: Self.body([], contentType: nil))
        let envelope = AuditEnvelope(record: record, source: "audit-producer/test")
        let headers = KafkaBinaryCodec.headers(for: envelope)
        #expect(headers.first { $0.name == "ce_specversion" }?.value == "1.0")
        #expect(headers.first { $0.name == "ce_type" }?.value == "dev.auditshipper.http.exchange.v1")
        #expect(headers.first { $0.name == "ce_id" }?.value == record.exchangeID)
        #expect(headers.first { $0.name == "content-type" }?.value == "application/json")
        let fromBinary = try KafkaBinaryCodec.decode(headers: headers, value: envelope.data)
        let structured = StructuredCodec.encode(fromBinary)
        let fromStructured = try StructuredCodec.decode(structured)
        #expect(fromStructured == envelope)
        #expect(try fromStructured.record() == record)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(structured.readableBytesView)) as? [String: Any])
        #expect(object["specversion"] as? String == "1.0")
        #expect((object["data"] as? [String: Any])?["route"] as? String == "/api/orders/{id}")
    }
}
