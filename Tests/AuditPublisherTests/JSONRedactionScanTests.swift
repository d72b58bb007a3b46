import AuditEnvelope
import NIOCore
import TestSupport
import Testing

@testable import AuditPublisher

/// The one pass that validates a whole document and finds what to redact, held against two
/// references: ``JSONScanner/validate(_:)`` for what is JSON, and a generator that writes each
/// random document together with its expected redacted form.
@Suite("Redacting a whole JSON document in one pass")
struct JSONRedactionScanTests {
    static let redactor = JSONRedactor(fields: KeyMatcher(["password", "secret*"], caseSensitive: false), pointers: ["/items/*/card"])

    /// Keys the generator uses: their JSON text, decoded text, and whether the field patterns
    /// above make them sensitive.
    static let keys: [(json: String, decoded: String, sensitive: Bool)] = [
        (#""id""#, "id", false), (#""name""#, "name", false), (#""items""#, "items", false), (#""card""#, "card", false),
        (#""passwords""#, "passwords", false), (#""password""#, "password", true), (#""PassWord""#, "PassWord", true),
        (#""pass\u0077ord""#, "password", true), (#""secretKey""#, "secretKey", true), (#""n\"ote""#, "n\"ote", false),
    ]

    /// A random document and what redaction must make of it.
    struct Generated {
        var text = ""
        var expected = ""
        var pointers: [String] = []
    }

    static func whitespace(_ random: inout SplitMix64) -> String {
        ["", "", "", " ", "\n", "\t ", "\r\n"][Int(random.next() % 7)]
    }

    static func scalar(_ random: inout SplitMix64) -> String {
        [#""plain""#, #""\u00e9\n""#, #""é€😀""#, "0", "-12.5e+3", "1E9", "true", "false", "null", #""""#, #""{[,:]}""#][Int(random.next() % 11)]
    }

    /// Appends a value at `path` (decoded keys and indexes) to both texts.
    static func value(_ out: inout Generated, _ random: inout SplitMix64, path: [String], depth: Int, sensitive: Bool) {
        let marked = sensitive || (path.count == 3 && path[0] == "items" && path[2] == "card")
        var piece = Generated()
        let kind = depth >= 4 ? 2 : Int(random.next() % 4)
        switch kind {
        case 0:
            piece.text += "{"
            piece.expected += "{"
            let count = Int(random.next() % 4)
            var used = Set<String>()
            var first = true
            for _ in 0..<count {
                let key = keys[Int(random.next() % UInt64(keys.count))]
                guard used.insert(key.decoded).inserted else { continue }
                if !first { piece.text += ","; piece.expected += "," }
                first = false
                let space = Self.whitespace(&random)
                piece.text += space + key.json + space + ":" + space
                piece.expected += space + key.json + space + ":" + space
                value(&piece, &random, path: path + [key.decoded], depth: depth + 1, sensitive: key.sensitive)
            }
            piece.text += "}"
            piece.expected += "}"
        case 1:
            piece.text += "["
            piece.expected += "["
            for index in 0..<Int(random.next() % 4) {
                if index > 0 { piece.text += ","; piece.expected += "," }
                value(&piece, &random, path: path + [String(index)], depth: depth + 1, sensitive: false)
            }
            let close = whitespace(&random) + "]"
            piece.text += close
            piece.expected += close
        default:
            let text = scalar(&random)
            piece.text = text
            piece.expected = text
        }
        out.text += piece.text
        if marked {
            out.expected += "\"\(RedactionConfiguration.marker)\""
            out.pointers.append(JSONRedactor.pointer(path))
        } else {
            out.expected += piece.expected
            out.pointers += piece.pointers
        }
    }

    @Test("random documents (fixed seed): the redacted bytes and pointers are the generator's, every other byte kept")
    func randomDocuments() {
        var random = SplitMix64(seed: 0x25_25)
        var withRedactions = 0
        for _ in 0..<3_000 {
            var generated = Generated()
            let space = Self.whitespace(&random)
            generated.text = space
            generated.expected = space
            Self.value(&generated, &random, path: [], depth: 0, sensitive: false)
            let result = Self.redactor.redact(ByteBuffer(string: generated.text))
            #expect(result != nil, "refused: \(generated.text)")
            guard let result else { continue }
            #expect(String(buffer: result.body) == generated.expected, "\(generated.text)")
            #expect(result.redacted == generated.pointers, "\(generated.text)")
            if !generated.pointers.isEmpty { withRedactions += 1 }
        }
        #expect(withRedactions > 500, "the documents hold secrets: \(withRedactions) of 3000 do")
    }

    @Test("20,000 random documents damaged one byte at a time (fixed seed): refused exactly when JSONScanner.validate refuses them")
    func damagedDocuments() {
        var random = SplitMix64(seed: 0x26_26)
        let replacements: [UInt8] = Array(#",:{}[]"\x0e+-.9 "#.utf8) + [0x00, 0x0A, 0x7F, 0x80, 0xC3, 0xE2, 0xFF]
        var refused = 0
        for _ in 0..<20_000 {
            var generated = Generated()
            Self.value(&generated, &random, path: [], depth: 0, sensitive: false)
            var bytes = Array(generated.text.utf8)
            // Half the time the damage hits a structural byte, where a lax scan would differ.
            let structural = bytes.indices.filter { Array(#",:{}[]""#.utf8).contains(bytes[$0]) }
            let position = random.next() % 2 == 0 && !structural.isEmpty
                ? structural[Int(random.next() % UInt64(structural.count))]
                : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 4 {
            case 0: bytes[position] = replacements[Int(random.next() % UInt64(replacements.count))]
            case 1: bytes.remove(at: position)
            case 2: bytes.insert(replacements[Int(random.next() % UInt64(replacements.count))], at: position)
            default: bytes.removeLast(bytes.count - position)
            }
            let valid = bytes.withUnsafeBytes { JSONScanner.validate($0) == nil }
            let redacted = Self.redactor.redact(ByteBuffer(bytes: bytes))
            #expect((redacted != nil) == valid, "\(String(decoding: bytes, as: UTF8.self))")
            if !valid { refused += 1 }
        }
        #expect(refused > 8_000, "the damage makes most documents invalid: \(refused) of 20000")
    }

    @Test("nesting is limited as the validator limits it, inside a redacted value too", arguments: [511, 512, 513])
    func nesting(_ depth: Int) {
        for document in [String(repeating: "[", count: depth) + String(repeating: "]", count: depth),
                         #"{"password":"# + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}"] {
            let valid = Array(document.utf8).withUnsafeBytes { JSONScanner.validate($0) == nil }
            #expect((Self.redactor.redact(ByteBuffer(string: document)) != nil) == valid, "depth \(depth)")
        }
    }
}
