import NIOCore
import TestSupport
import Testing

@testable import AuditPublisher

/// The prefix of a JSON document cut at the capture limit: redacted up to the cut, and only what
/// cannot be judged withheld.
@Suite("Redacted JSON prefixes")
struct JSONPrefixRedactionTests {
    static let redactor = JSONRedactor(fields: KeyMatcher(RedactionConfiguration().fieldPatterns, caseSensitive: false), pointers: ["/items/*/card"])

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var prefix: String
        /// The stored bytes, or `nil` when the prefix is refused (not the beginning of JSON).
        var stored: String?
        var redacted: [String] = []
        var withheldTail = 0

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "cut in a plain string", prefix: #"{"a":"hel"#, stored: #"{"a":"hel"#),
        Case(name: "cut in a secret string", prefix: #"{"a":1,"password":"hun"#, stored: #"{"a":1,"password":"[REDACTED]""#, redacted: ["/password"]),
        Case(name: "secret complete, cut after it", prefix: #"{"token":"abc","b":[1,2"#, stored: #"{"token":"[REDACTED]","b":[1,2"#, redacted: ["/token"]),
        Case(name: "cut in a secret object", prefix: #"{"credentials":{"user":"u","pi"#, stored: #"{"credentials":"[REDACTED]""#, redacted: ["/credentials"]),
        Case(name: "cut in a key", prefix: #"{"a":1,"passw"#, stored: #"{"a":1,"#, withheldTail: 6),
        Case(name: "cut after a secret key, before its value", prefix: #"{"password": "#, stored: #"{"password": "#),
        Case(name: "escaped secret key", prefix: #"{"pass\u0077ord":"x"#, stored: #"{"pass\u0077ord":"[REDACTED]""#, redacted: ["/password"]),
        Case(name: "cut in an escape", prefix: #"{"a":"x\u00"#, stored: #"{"a":"x\u00"#),
        Case(name: "cut in a number", prefix: #"[1,2.5e"#, stored: #"[1,2.5e"#),
        Case(name: "cut in a literal", prefix: #"[true,nu"#, stored: #"[true,nu"#),
        Case(name: "pointer into an array, cut in the value", prefix: #"{"items":[{"card":"4111"#, stored: #"{"items":[{"card":"[REDACTED]""#, redacted: ["/items/0/card"]),
        Case(name: "pointer, second element", prefix: #"{"items":[{"card":1},{"card":22"#, stored: #"{"items":[{"card":"[REDACTED]"},{"card":"[REDACTED]""#, redacted: ["/items/0/card", "/items/1/card"]),
        Case(name: "a complete document", prefix: #"{"a":[]}"#, stored: #"{"a":[]}"#),
        Case(name: "a syntax error before the cut", prefix: #"{"a" 1, "password":"x"#, stored: nil),
        Case(name: "a bad literal before the cut", prefix: #"[trux, {"token":"x"#, stored: nil),
        Case(name: "a mismatched bracket", prefix: #"{"a":[1}"#, stored: nil),
        Case(name: "data after a document", prefix: #"{}{"token":"x"#, stored: nil),
        Case(name: "not JSON", prefix: "password=x", stored: nil),
    ]

    @Test("a cut prefix is redacted up to the cut; a key the cut falls in is withheld; a prefix that is not JSON is refused", arguments: cases)
    func table(_ test: Case) {
        let result = Self.redactor.redactPrefix(ByteBuffer(string: test.prefix))
        #expect(result.map { String(buffer: $0.body) } == test.stored)
        #expect((result?.redacted ?? []) == test.redacted)
        #expect((result?.withheldTail ?? 0) == test.withheldTail)
    }

    /// Random documents (fixed seed) cut at every length: every cut of well-formed JSON is
    /// accepted, no byte of a secret survives, and with no secret the stored bytes are the cut
    /// bytes (less a withheld key at the end).
    @Test("random documents cut anywhere: every cut is accepted, no secret byte survives, nothing else is lost")
    func randomCuts() {
        var random = SplitMix64(seed: 0x25_25)
        for _ in 0..<300 {
            let document = Array(Self.document(depth: 0, random: &random).utf8)
            for cut in 0...document.count {
                let prefix = Array(document[..<cut])
                guard let result = Self.redactor.redactPrefix(ByteBuffer(bytes: prefix)) else {
                    Issue.record("refused a cut of well-formed JSON: \(String(decoding: prefix, as: UTF8.self))")
                    return
                }
                let stored = Array(result.body.readableBytesView)
                #expect(!stored.contains(UInt8(ascii: "Q")), "a secret byte survived: \(String(decoding: stored, as: UTF8.self))")
                if result.redacted.isEmpty {
                    #expect(stored == Array(prefix[..<(prefix.count - result.withheldTail)]))
                }
            }
        }
    }

    /// A random JSON value; secrets (the letter Q, found nowhere else) sit only under sensitive keys.
    private static func document(depth: Int, random: inout SplitMix64) -> String {
        let plainKeys = [#""a""#, #""name""#, #""n\u0061me""#, #""é""#, #""x y""#]
        let secretKeys = [#""password""#, #""token""#, #""pass\u0077ord""#, #""apiKey""#]
        func scalar() -> String {
            [#""text""#, #""esc\"aped\\ \n""#, #""\u00e9t\u00e9""#, "12", "-0.5e+3", "true", "false", "null", #""ünï""#, "[]", "{}"][Int(random.next() % 11)]
        }
        func secret() -> String {
            [#""QQQQ""#, #"{"inner":"QQ","n":1}"#, #"["QQ",{"k":"QQQ"}]"#, "12"][Int(random.next() % 4)]
        }
        guard depth < 4 else { return scalar() }
        switch random.next() % 3 {
        case 0:
            let members = (0..<Int(random.next() % 4)).map { _ -> String in
                if random.next() % 3 == 0 { return secretKeys[Int(random.next() % UInt64(secretKeys.count))] + ":" + secret() }
                return plainKeys[Int(random.next() % UInt64(plainKeys.count))] + " : " + document(depth: depth + 1, random: &random)
            }
            return "{ " + members.joined(separator: ", ") + "}"
        case 1:
            return "[" + (0..<Int(random.next() % 4)).map { _ in document(depth: depth + 1, random: &random) }.joined(separator: ",") + "]"
        default:
            return scalar()
        }
    }
}
