import AuditEnvelope
import Foundation
import Testing

@Suite("JSON scanner")
struct JSONScannerTests {
    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { JSONScanner.validate($0) == nil }
    }

    static let valid: [String] = [
        #"{}"#, #"[]"#, #"  {"a": [1, -2.5e+3, 0, 0.25, true, false, null]}  "#, #""text""#, "42", "-0",
        #"{"nested":{"deeper":[{"x":"\u00e9\n\t\"\\\/"}]}}"#, "\n[\r\n1\t]\n", #"{"k":"é漢字😀"}"#, #""\ud83d\ude00""#,
        "1E5", "1.5e-7",
    ]

    static let invalid: [String] = [
        "", " ", "{", "[1,]", #"{"a":1,}"#, "01", "1.", ".5", "-", "+1", "1e", "[1 2]", #"{"a" 1}"#, #"{a:1}"#,
        #"'single'"#, "\"unterminated", "\"tab\tinside\"", "\"bad \\x escape\"", "\"\\u12\"", "tru", "nul", "{}{}",
        "[1] x", "NaN", "Infinity", "[\"\u{0}\"]",
    ]

    @Test("accepts well-formed JSON", arguments: valid)
    func acceptsValid(_ text: String) {
        #expect(Self.isValid(Array(text.utf8)))
    }

    @Test("rejects malformed JSON", arguments: invalid)
    func rejectsInvalid(_ text: String) {
        #expect(!Self.isValid(Array(text.utf8)))
    }

    /// Foundation accepts trailing commas, which RFC 8259 (and every other strict parser) rejects.
    static let foundationLeniencies: Set<String> = ["[1,]", #"{"a":1,}"#]

    @Test("agrees with Foundation's parser except where Foundation is lenient")
    func agreesWithFoundation() {
        for text in Self.valid + Self.invalid where !text.isEmpty && !Self.foundationLeniencies.contains(text) {
            let ours = Self.isValid(Array(text.utf8))
            let foundation = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil
            #expect(ours == foundation, "\(text.debugDescription)")
        }
    }

    @Test("rejects invalid UTF-8 inside strings: overlongs, surrogates, truncated sequences")
    func rejectsInvalidUTF8() {
        let quote = UInt8(ascii: "\"")
        #expect(!Self.isValid([quote, 0xC0, 0x80, quote]))
        #expect(!Self.isValid([quote, 0xED, 0xA0, 0x80, quote]))
        #expect(!Self.isValid([quote, 0xE2, 0x82, quote]))
        #expect(!Self.isValid([quote, 0xF4, 0x90, 0x80, 0x80, quote]))
        #expect(!Self.isValid([quote, 0xFF, quote]))
        #expect(Self.isValid([quote, 0xE2, 0x82, 0xAC, quote]))
        #expect(Self.isValid([quote, 0xF0, 0x9F, 0x98, 0x80, quote]))
    }

    @Test("limits nesting depth instead of overflowing the stack")
    func nestingLimit() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = Array(deep.utf8).withUnsafeBytes { JSONScanner.validate($0) }
        #expect(error?.reason.contains("nesting") == true)
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(Self.isValid(Array(fine.utf8)))
    }

    @Test("reports where the problem is")
    func errorOffset() {
        let error = Array(#"{"a": [1, 2,, 3]}"#.utf8).withUnsafeBytes { JSONScanner.validate($0) }
        #expect(error?.offset == 12)
    }
}
