import AuditEnvelope
import Foundation
import HTTPTypes
import NIOCore
import Testing
import TestSupport

@testable import AuditCapture
@testable import AuditPublisher

/// Every place a secret travels, with the default settings: the secret must appear nowhere in
/// the encoded record, and no digest in it may confirm a guess at a redacted value.
@Suite("Redaction leaks")
struct RedactionLeakTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var secret: String
        var target = "/api/x"
        var contentType: String? = "application/json"
        var contentEncoding: String?
        var requestHeaders: [(String, String)] = []
        var responseHeaders: [(String, String)] = []
        var body: [UInt8] = []
        var limit = 1 << 20

        var testDescription: String { name }

        static func json(_ name: String, _ secret: String, _ text: String, contentType: String? = "application/json") -> Case {
            Case(name: name, secret: secret, contentType: contentType, body: Array(text.utf8))
        }
    }

    static let cases: [Case] = [
        .json("PascalCase key", "S3cr3t-01", #"{"Password":"S3cr3t-01"}"#),
        .json("upper-case key", "S3cr3t-02", #"{"PASSWORD":"S3cr3t-02"}"#),
        .json("escaped key", "S3cr3t-03", #"{"pass\u0077ord":"S3cr3t-03"}"#),
        .json("nested arrays", "S3cr3t-04", #"{"a":[[{"n":1},{"token":"S3cr3t-04"}]]}"#),
        .json("substring of a key", "S3cr3t-05", #"{"user":{"accessToken":"S3cr3t-05"}}"#),
        .json("object under a sensitive key", "S3cr3t-06", #"{"credentials":{"user":"u","pin":"S3cr3t-06"}}"#),
        .json("JSON sent as text/plain", "S3cr3t-07", #"{"client_secret":"S3cr3t-07"}"#, contentType: "text/plain"),
        .json("JSON without a content type", "S3cr3t-08", #" [{"api_key":"S3cr3t-08"}]"#, contentType: nil),
        .json("JSON with a byte order mark", "S3cr3t-09", "\u{FEFF}{\"password\":\"S3cr3t-09\"}"),
        .json("NDJSON", "S3cr3t-10", "{\"a\":1}\n{\"secret\":\"S3cr3t-10\"}\n", contentType: "application/x-ndjson"),
        .json("NDJSON sent as JSON", "S3cr3t-11", "{\"a\":1}\r\n{\"b\":{\"cvv\":\"S3cr3t-11\"}}", contentType: "application/json"),
        .json("form body", "S3cr3t-12", "user=ann&pass%77ord=S3cr3t-12&x=1", contentType: "application/x-www-form-urlencoded"),
        .json("form body split on ;", "S3cr3t-13", "user=ann;api+key=S3cr3t-13", contentType: "application/x-www-form-urlencoded; charset=utf-8"),
        .json("malformed JSON", "S3cr3t-14", #"{"password":"S3cr3t-14""#),
        Case(name: "truncated JSON", secret: "S3cr3t-15", body: Array((#"{"password":"S3cr3t-15","pad":""# + String(repeating: "x", count: 5000) + #""}"#).utf8), limit: 1000),
        Case(name: "truncated JSON, cut inside the secret", secret: "S3cr3t-25", body: Array((#"{"a":1,"password":"S3cr3t-25"# + String(repeating: "z", count: 5000) + #""}"#).utf8), limit: 30),
        Case(name: "truncated JSON, cut inside a nested secret object", secret: "S3cr3t-26", body: Array((#"{"credentials":{"user":"S3cr3t-26","pad":""# + String(repeating: "z", count: 5000) + #""}}"#).utf8), limit: 60),
        Case(name: "truncated NDJSON, cut in the last line's secret", secret: "S3cr3t-27", contentType: "application/x-ndjson", body: Array(("{\"a\":1}\n{\"token\":\"S3cr3t-27" + String(repeating: "z", count: 5000) + "\"}\n").utf8), limit: 40),
        Case(name: "query parameter", secret: "S3cr3t-16", target: "/api/x?user=ann&api_key=S3cr3t-16#top"),
        Case(name: "percent-encoded query name", secret: "S3cr3t-17", target: "/api/x?access%5Ftoken=S3cr3t-17"),
        Case(name: "Referer query", secret: "S3cr3t-18", requestHeaders: [("Referer", "https://app.example/cb?code=S3cr3t-18")]),
        Case(name: "Location query", secret: "S3cr3t-19", responseHeaders: [("Location", "/next?token=S3cr3t-19")]),
        Case(name: "credential header", secret: "S3cr3t-20", requestHeaders: [("X-Auth-Token", "S3cr3t-20"), ("X-Amz-Security-Token", "S3cr3t-20")]),
        Case(name: "gzip JSON", secret: "S3cr3t-21", contentEncoding: "gzip",
             body: Compression.compress(Array(#"{"password":"S3cr3t-21","n":1}"#.utf8), format: .gzip)),
        Case(name: "deflate JSON (zlib)", secret: "S3cr3t-22", contentEncoding: "deflate",
             body: Compression.compress(Array(#"{"password":"S3cr3t-22"}"#.utf8), format: .zlib)),
        Case(name: "deflate JSON (raw)", secret: "S3cr3t-23", contentEncoding: "deflate",
             body: Compression.compress(Array(#"{"secret":"S3cr3t-23"}"#.utf8), format: .raw)),
        Case(name: "brotli (not decoded)", secret: "S3cr3t-24", contentEncoding: "br", body: Array(#"{"password":"S3cr3t-24"}"#.utf8)),
    ]

    static func exchange(_ test: Case) -> CapturedExchange {
        var requestHeaders: HTTPFields = [:]
        if let contentType = test.contentType { requestHeaders[.contentType] = contentType }
        if let encoding = test.contentEncoding { requestHeaders[.contentEncoding] = encoding }
        for (name, value) in test.requestHeaders { requestHeaders.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        var responseHeaders: HTTPFields = [:]
        for (name, value) in test.responseHeaders { responseHeaders.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        let tee = BodyTee(limit: test.limit)
        tee.append(ByteBuffer(bytes: test.body))
        tee.complete()
        return CapturedExchange(
            exchangeID: UUIDv7.generate(), requestID: "leak", route: "/api/**", method: "POST", target: test.target, path: "/api/x",
            requestHeaders: requestHeaders, requestBody: tee.snapshot(), status: 200,
            responseHeaders: responseHeaders, responseBody: .empty, outcome: .completed, outcomeDetail: nil, clientAddress: nil,
            timings: ExchangeTimings(start: 1, firstResponseByte: 2, end: 3)
        )
    }

    @Test("no secret appears in the encoded record, with the default settings", arguments: cases)
    func noLeak(_ test: Case) {
        let record = EnvelopeBuilder(configuration: PublisherConfiguration()).record(for: Self.exchange(test))
        let encoded = String(buffer: ExchangeRecordEncoder.encode(record))
        #expect(!encoded.contains(test.secret), "\(test.name): \(encoded)")
        #expect(!String(buffer: record.request.body.data).contains(test.secret), "\(test.name): stored body")
        #expect(!record.redactions.isEmpty, "\(test.name): the redaction is listed")
    }

    @Test("the leak cases hold secrets that an envelope without redaction keeps: the table tests something")
    func casesAreSecrets() {
        var configuration = PublisherConfiguration()
        configuration.redaction = RedactionConfiguration()
        configuration.redaction.headers = []
        configuration.redaction.usesDefaultFields = false
        configuration.redaction.usesDefaultQueryParameters = false
        configuration.redaction.urlHeaders = []
        var leaked = 0
        for test in Self.cases {
            let record = EnvelopeBuilder(configuration: configuration).record(for: Self.exchange(test))
            let encoded = String(buffer: ExchangeRecordEncoder.encode(record))
            let data = String(decoding: record.request.body.data.readableBytesView, as: UTF8.self)
            if encoded.contains(test.secret) || data.contains(test.secret) { leaked += 1 }
        }
        // The compressed cases hide the secret in compressed bytes; all others show it.
        #expect(leaked >= Self.cases.count - 4, "only \(leaked) of \(Self.cases.count) cases show their secret unredacted")
    }

    @Test("gzip and deflate bodies are decoded, redacted and embedded as JSON; the wire encoding stays recorded")
    func decodedBodies() throws {
        let gzipCase = try #require(Self.cases.first { $0.name == "gzip JSON" })
        let record = EnvelopeBuilder(configuration: PublisherConfiguration()).record(for: Self.exchange(gzipCase))
        let body = record.request.body
        #expect(body.decoded == "gzip")
        #expect(body.contentEncoding == "gzip")
        #expect(body.encoding == .json)
        #expect(String(buffer: body.data) == #"{"password":"[REDACTED]","n":1}"#)
        #expect(body.sha256Of == .stored)
        #expect(body.wireSha256 == nil, "redacted: no digest of the original")

        var plain = gzipCase
        plain.body = Compression.compress(Array(#"{"n":1}"#.utf8), format: .gzip)
        let unredacted = EnvelopeBuilder(configuration: PublisherConfiguration()).record(for: Self.exchange(plain)).request.body
        #expect(unredacted.decoded == "gzip")
        #expect(String(buffer: unredacted.data) == #"{"n":1}"#)
        #expect(unredacted.wireSha256 == plain.body.withUnsafeBytes { SHA256Hasher.hash($0) }.hex, "nothing redacted: the wire digest is kept")
    }

    @Test("a compressed body past the limits is kept as base64 of the wire bytes when nothing is redacted, withheld otherwise, and says why")
    func bomb() {
        let bomb = Compression.compress(repeating: [UInt8](repeating: 0, count: 1 << 20), times: 64, format: .gzip)
        var test = Case(name: "bomb", secret: "", contentType: "application/json", contentEncoding: "gzip", body: bomb)
        test.limit = 4 << 20
        var configuration = PublisherConfiguration()
        configuration.redaction.usesDefaultFields = false
        let kept = EnvelopeBuilder(configuration: configuration).record(for: Self.exchange(test)).request.body
        #expect(kept.decoded == nil)
        #expect(kept.decodeError?.contains("decodes to more than") == true, "\(kept.decodeError ?? "")")
        #expect(kept.encoding == .base64)
        #expect(kept.data.readableBytes == bomb.count)

        let withheld = EnvelopeBuilder(configuration: PublisherConfiguration()).record(for: Self.exchange(test))
        #expect(withheld.request.body.data.readableBytes == 0)
        #expect(withheld.request.body.decodeError != nil)
        #expect(withheld.redactions.contains { $0.hasPrefix("request.body (withheld: content-encoded and not decoded") })
    }

    @Test("brute force: no digest in the envelope confirms any of the 1,000 three-digit values; the keyed digest matches the original for the key holder")
    func bruteForce() throws {
        let original = #"{"card":{"number":"4111111111111111","cvv":"042"},"amount":12}"#
        var test = Case.json("cvv", "042", original)
        test.contentEncoding = nil
        var configuration = PublisherConfiguration()
        let key = try DigestKey(bytes: Array("an example digest key of 32 bytes!!".utf8))
        configuration.digestKey = key
        let record = EnvelopeBuilder(configuration: configuration).record(for: Self.exchange(test))
        let body = record.request.body
        let digests = [body.sha256, body.wireSha256, body.hmacSha256].compactMap { $0 }
        #expect(!digests.isEmpty)
        var confirmed: [String] = []
        for guess in 0..<1000 {
            let candidate = original.replacingOccurrences(of: "\"042\"", with: "\"\(String(format: "%03d", guess))\"")
            let digest = Array(candidate.utf8).withUnsafeBytes { SHA256Hasher.hash($0) }
            if digests.contains(digest.hex) { confirmed.append(candidate) }
        }
        #expect(confirmed.isEmpty, "a digest confirms \(confirmed)")

        let originalDigest = Array(original.utf8).withUnsafeBytes { SHA256Hasher.hash($0) }
        #expect(body.hmacSha256 == HMACSHA256.authenticationCode(of: originalDigest.bytes, key: Array("an example digest key of 32 bytes!!".utf8)).hex)
        #expect(body.hmacSha256 != HMACSHA256.authenticationCode(of: originalDigest.bytes, key: Array("another key, also 32 bytes long!!!".utf8)).hex)
    }

    @Test("a digest key shorter than 32 bytes, a missing file, a directory or a FIFO is refused, naming the file", .timeLimit(.minutes(1)))
    func badKeys() throws {
        #expect(throws: DigestKey.Invalid.self) { try DigestKey(bytes: Array("short".utf8)) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("digest-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        for path in [directory + "/missing", directory, fifo] {
            #expect(throws: DigestKey.Invalid.self, "\(path)") { try DigestKey(contentsOfFile: path) }
        }
        let good = directory + "/good.key"
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: good))
        let link = directory + "/link.key"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: good)
        _ = try DigestKey(contentsOfFile: link)
    }
}
