import NIOCore
import Testing
import TestSupport

@testable import AuditPublisher

@Suite("Redaction matching and formats")
struct RedactionMatchingTests {
    @Test("key patterns: exact, prefix, suffix, substring; case-insensitive unless asked", arguments: [
        ("password", "Password", false, true),
        ("password", "Password", true, false),
        ("*token*", "X-Refresh-Token-2", false, true),
        ("api_*", "API_version", false, true),
        ("*_id", "session_ID", false, true),
        ("*_id", "identity", false, false),
        ("*", "anything", false, false),
        ("ssn", "ssns", false, false),
        ("api_key", "api-Key", false, true),
        ("api_key", "api key", true, false),
    ])
    func patterns(pattern: String, name: String, caseSensitive: Bool, expected: Bool) {
        #expect(KeyMatcher([pattern], caseSensitive: caseSensitive).matches(name) == expected)
    }

    @Test("query strings and forms: only sensitive values change, every other byte stays", arguments: [
        ("/a?x=1&token=t&y=2", "/a?x=1&token=[REDACTED]&y=2"),
        ("/a?token", "/a?token"),
        ("/a?x=1#token=t", "/a?x=1#token=t"),
        ("/a?to%6Ben=t;x=%41", "/a?to%6Ben=[REDACTED];x=%41"),
        ("https://h/p?api+key=1&api_key=2&apikey=3", "https://h/p?api+key=[REDACTED]&api_key=[REDACTED]&apikey=[REDACTED]"),
        ("/a", "/a"),
        ("/a?&&token=&", "/a?&&token=[REDACTED]&"),
    ])
    func query(input: String, expected: String) {
        let redactor = URLEncodedRedactor(names: KeyMatcher(["token", "api_key"], caseSensitive: false))
        #expect(redactor.redact(url: input).text == expected)
    }

    @Test("the body decoder removes gzip (several members), zlib and raw deflate, and refuses bombs, corrupt, cut and unknown codings")
    func decoder() throws {
        let text = Array(#"{"a":"b"}"#.utf8)
        let decoder = BodyDecoder(maxBytes: 1 << 20, maxRatio: 100)
        for (format, coding) in [(Compression.Format.gzip, BodyDecoder.Coding.gzip), (.zlib, .deflate), (.raw, .deflate)] {
            #expect(Array(try decoder.decode(ByteBuffer(bytes: Compression.compress(text, format: format)), coding).readableBytesView) == text)
        }
        let twoMembers = Compression.compress(text, format: .gzip) + Compression.compress(text, format: .gzip)
        #expect(Array(try decoder.decode(ByteBuffer(bytes: twoMembers), .gzip).readableBytesView) == text + text)
        let zeros = Compression.compress(repeating: [UInt8](repeating: 0, count: 1 << 20), times: 4, format: .gzip)
        #expect(throws: BodyDecoder.Failure.self) { try decoder.decode(ByteBuffer(bytes: zeros), .gzip) }
        let ratio = BodyDecoder(maxBytes: 1 << 30, maxRatio: 10)
        #expect(throws: BodyDecoder.Failure.self) { try ratio.decode(ByteBuffer(bytes: zeros), .gzip) }
        let cut = Compression.compress(Array(repeating: UInt8(ascii: "x"), count: 10_000) + text, format: .gzip).dropLast(12)
        #expect(throws: BodyDecoder.Failure.self) { try decoder.decode(ByteBuffer(bytes: Array(cut)), .gzip) }
        #expect(throws: BodyDecoder.Failure.self) { try decoder.decode(ByteBuffer(string: "not gzip at all"), .gzip) }
        let unbounded = BodyDecoder(maxBytes: 1 << 20, maxRatio: .max)
        #expect(Array(try unbounded.decode(ByteBuffer(bytes: Compression.compress(text, format: .gzip)), .gzip).readableBytesView) == text,
                "a ratio that overflows the limit falls back to the byte limit")
        #expect(throws: BodyDecoder.Failure.self) { try BodyDecoder(maxBytes: 0, maxRatio: 0).decode(ByteBuffer(bytes: Compression.compress(text, format: .gzip)), .gzip) }
        #expect(BodyDecoder.request(for: "br") == .unsupported("br"))
        #expect(BodyDecoder.request(for: "gzip, br") == .unsupported("gzip, br"))
        #expect(BodyDecoder.request(for: " X-GZIP ") == .decode(.gzip))
        #expect(BodyDecoder.request(for: "identity") == .identity)
    }

    @Test("random bodies (fixed seed): redaction never traps and never leaves a planted secret")
    func randomBodies() {
        var random = SplitMix64(seed: 0x16_16_16)
        let redactor = BodyRedactor(configuration: RedactionConfiguration())
        let pieces = ["{", "}", "[", "]", ",", ":", "\"password\"", "\"x\"", "1", " ", "\n", "\"SECRET\"", "null", "\\", "\u{FEFF}", "&", "=", "password="]
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int(random.next() % 40) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            for contentType in ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/x-ndjson"] {
                switch redactor.redact(ByteBuffer(string: text), contentType: contentType, truncated: false).outcome {
                case .unchanged, .withheld: break
                case .redacted(let body, _):
                    #expect(!String(buffer: body).isEmpty)
                }
            }
        }
        let planted = #"{"x":[{"password":"SECRET"}]}"#
        guard case .redacted(let body, _) = redactor.redact(ByteBuffer(string: planted), contentType: "text/plain", truncated: false).outcome else {
            Issue.record("a planted secret was not redacted")
            return
        }
        #expect(!String(buffer: body).contains("SECRET"))
    }
}
