import AuditEnvelope
import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import AuditCapture
import AuditPublisher

@Suite("Envelope builder and redaction")
struct EnvelopeBuilderTests {
    static func exchange(requestBody: String, contentType: String = "application/json", headers: HTTPFields = [:], limit: Int = 1 << 20) -> CapturedExchange {
        var requestHeaders = headers
        requestHeaders[.contentType] = contentType
        requestHeaders[HTTPField.Name("traceparent")!] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let tee = BodyTee(limit: limit)
        tee.append(ByteBuffer(string: requestBody))
        tee.complete()
        return CapturedExchange(
            exchangeID: UUIDv7.generate(), requestID: "r1", route: "/api/**", method: "POST", target: "/api/x?y=1", path: "/api/x",
            requestHeaders: requestHeaders, requestBody: tee.snapshot(), status: 200,
            responseHeaders: [.setCookie: "session=secret", .contentType: "text/plain"], responseBody: .empty,
            outcome: .completed, outcomeDetail: nil, clientAddress: "127.0.0.1",
            timings: ExchangeTimings(start: 1, firstResponseByte: 2, end: 3)
        )
    }

    @Test("a JSON body truncated at capture keeps its prefix, redacted up to the cut, and is flagged; with nothing to redact the digest covers the wire")
    func truncatedBody() {
        let body = "{\"token\":\"abc\",\"pad\":\"" + String(repeating: "x", count: 50_000) + "\"}"
        let redacted = EnvelopeBuilder(configuration: PublisherConfiguration()).record(for: Self.exchange(requestBody: body, limit: 10_000))
        #expect(redacted.request.body.truncated)
        #expect(redacted.request.body.size == body.utf8.count)
        #expect(redacted.request.body.encoding == .text)
        let stored = String(buffer: redacted.request.body.data)
        #expect(stored.hasPrefix("{\"token\":\"[REDACTED]\",\"pad\":\"xxx"), "\(stored.prefix(40))")
        #expect(redacted.request.body.captured == 10_000 - #""abc""#.count + #""[REDACTED]""#.count, "the prefix, with the value replaced by the marker")
        #expect(redacted.request.body.sha256Of == .stored)
        #expect(redacted.redactions.filter { $0.hasPrefix("request.body") } == ["request.body/token"])

        let plain = "{\"pad\":\"" + String(repeating: "x", count: 50_000) + "\"}"
        for configuration in [PublisherConfiguration(), { var c = PublisherConfiguration(); c.redaction.usesDefaultFields = false; return c }()] {
            let record = EnvelopeBuilder(configuration: configuration).record(for: Self.exchange(requestBody: plain, limit: 10_000))
            #expect(record.request.body.truncated)
            #expect(record.request.body.encoding == .text)
            #expect(record.request.body.jsonError != nil)
            #expect(record.request.body.captured == 10_000)
            #expect(record.request.body.size == plain.utf8.count)
            #expect(record.request.body.sha256Of == .wire, "nothing redacted: the digest covers the wire bytes")
            #expect(!record.redactions.contains { $0.hasPrefix("request.body") })
        }
    }

    @Test("credential headers are redacted by default and listed")
    func headerRedaction() throws {
        let builder = EnvelopeBuilder(configuration: PublisherConfiguration())
        let record = builder.record(for: Self.exchange(requestBody: "{}", headers: [.authorization: "Bearer abc", .cookie: "a=b"]))
        #expect(record.request.headers.first { $0.name == "Authorization" }?.value == "[REDACTED]")
        #expect(record.request.headers.first { $0.name == "Cookie" }?.value == "[REDACTED]")
        #expect(record.response.headers.first { $0.name == "Set-Cookie" }?.value == "[REDACTED]")
        #expect(record.redactions.contains("request.headers.authorization"))
        #expect(record.redactions.contains("response.headers.set-cookie"))
        #expect(record.traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(!String(buffer: ExchangeRecordEncoder.encode(record)).contains("Bearer abc"))
    }

    @Test("JSON fields are redacted by key anywhere and by pointer with wildcards; other bytes stay")
    func bodyRedaction() throws {
        var configuration = PublisherConfiguration()
        configuration.redaction.jsonFields = ["password"]
        configuration.redaction.jsonPointers = ["/card/number", "/items/*/ssn", "/a~1b"]
        let body = #"{"user":"ann", "password":"p1", "card":{"number":"4111","exp":"12/30"},"items":[{"ssn":"1","n":1},{"ssn":"2"}],"deep":{"password":{"x":1}},"a/b":true}"#
        let original = Self.exchange(requestBody: body)
        let record = EnvelopeBuilder(configuration: configuration).record(for: original)
        let redacted = String(buffer: record.request.body.data)
        #expect(redacted == #"{"user":"ann", "password":"[REDACTED]", "card":{"number":"[REDACTED]","exp":"12/30"},"items":[{"ssn":"[REDACTED]","n":1},{"ssn":"[REDACTED]"}],"deep":{"password":"[REDACTED]"},"a/b":"[REDACTED]"}"#)
        #expect(record.request.body.encoding == .json)
        #expect(Set(record.redactions).isSuperset(of: ["request.body/password", "request.body/card/number", "request.body/items/0/ssn", "request.body/items/1/ssn", "request.body/deep/password", "request.body/a~1b"]))
        #expect(record.request.body.sha256Of == .stored)
        #expect(record.request.body.sha256 == record.request.body.data.withUnsafeReadableBytes { SHA256Hasher.hash($0) }.hex,
                "the digest covers the redacted bytes stored")
        #expect(record.request.body.sha256 != original.requestBody.sha256().hex, "no unkeyed digest of the original")
        #expect(record.request.body.wireSha256 == nil && record.request.body.hmacSha256 == nil)
        #expect(record.request.body.size == body.utf8.count)
    }

    @Test("a JSON-declared body that cannot be parsed is withheld when fields must be redacted")
    func withheldWhenUnparseable() {
        var configuration = PublisherConfiguration()
        configuration.redaction.jsonFields = ["password"]
        let record = EnvelopeBuilder(configuration: configuration).record(for: Self.exchange(requestBody: #"{"password":"p1""#))
        #expect(record.request.body.data.readableBytes == 0)
        #expect(record.request.body.captured == 0)
        #expect(record.request.body.size == 16)
        #expect(record.redactions.contains { $0.hasPrefix("request.body (withheld") })
        let plain = EnvelopeBuilder(configuration: configuration).record(for: Self.exchange(requestBody: "password=p1", contentType: "text/plain"))
        #expect(String(buffer: plain.request.body.data) == "password=p1")
    }
}
