@testable import AuditEnvelope
import Foundation
import TestSupport
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

    @Test("the fast skip over validated bytes ends every value where the validating skip does")
    func validatedSkipAgrees() throws {
        let document = #"{"s": "a\"b\\", "n": -1.5e3, "t": true, "z": null, "o": {"a": [1, {"b": "]}"}, []]}, "e": {}, "u": "\u00e9 é"}"#
        try Array(document.utf8).withUnsafeBytes { bytes in
            let scanner = JSONScanner(bytes)
            let checking = JSONReader(bytes)
            var values = [try checking.rootValue()]
            var checked = 0
            while let value = values.popLast() {
                #expect(scanner.skipValidatedValue(at: value.lowerBound) == value.upperBound, "value at \(value)")
                checked += 1
                switch bytes[value.lowerBound] {
                case UInt8(ascii: "{"): values += try checking.members(of: value).map(\.value)
                case UInt8(ascii: "["): values += try checking.elements(of: value)
                default: break
                }
            }
            #expect(checked == 13)
            let (reader, root) = try JSONReader.validating(bytes)
            #expect(try reader.members(of: root).map(\.key) == ["s", "n", "t", "z", "o", "e", "u"])
        }
        #expect(throws: JSONScanError.self) { try Array(#"{"a": [1,]}"#.utf8).withUnsafeBytes { try JSONReader.validating($0) } }

        // Large values are found from the index recorded while validating.
        let large = #"{"big": {"items": ["# + (0..<400).map { #"{"id":\#($0),"s":"x\"y"}"# }.joined(separator: ",") + #"]}, "text": ""# + String(repeating: "t", count: 5000) + #"", "end": 1}"#
        try Array(large.utf8).withUnsafeBytes { bytes in
            let checking = JSONReader(bytes)
            let expected = try checking.members(of: checking.rootValue()).map(\.value)
            let (reader, root) = try JSONReader.validating(bytes)
            #expect(try reader.members(of: root).map(\.value) == expected)
            #expect(expected[0].count > 4096 && expected[1].count > 4096)
            #expect(try reader.members(of: expected[0]).map(\.value) == checking.members(of: expected[0]).map(\.value))
        }
    }

    @Test("the eight-bytes-at-a-time check finds exactly the first quote, backslash, control or non-ASCII byte")
    func wordCheck() {
        /// The index of the first byte needing attention (the first byte is the lowest), or 8.
        func reference(_ word: UInt64) -> Int {
            (0..<8).first { shift in
                let byte = UInt8(truncatingIfNeeded: word >> (shift * 8))
                return byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80
            } ?? 8
        }
        func firstFlagged(_ word: UInt64) -> Int { JSONScanner.attentionMask(word).trailingZeroBitCount / 8 }
        var generator = SplitMix64(seed: 25)
        let plain = UInt64(0x6162_6364_6566_6768)
        for position in 0..<8 {
            for special: UInt8 in [0x22, 0x5C, 0x00, 0x1F, 0x80, 0xC3, 0xFF, 0x20, 0x7F, 0x21, 0x5B] {
                let word = plain & ~(UInt64(0xFF) << (position * 8)) | UInt64(special) << (position * 8)
                #expect(firstFlagged(word) == reference(word), "byte \(special) at \(position)")
            }
        }
        for _ in 0..<20_000 {
            var word = plain
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                let position = Int.random(in: 0..<8, using: &generator)
                word = word & ~(UInt64(0xFF) << (position * 8)) | UInt64(UInt8.random(in: 0...255, using: &generator)) << (position * 8)
            }
            #expect(firstFlagged(word) == reference(word), "word \(String(word, radix: 16))")
        }
    }
    @Test("a string ends where its pieces say, whatever its length, its special bytes and what follows it (fast path for short strings included)")
    func stringEnds() {
        // Pieces of string content: their bytes, and whether they are allowed unescaped.
        let pieces: [(bytes: [UInt8], valid: Bool)] = [
            (Array("a".utf8), true), (Array("Z9".utf8), true), (Array(#"\""#.utf8), true), (Array(#"\\"#.utf8), true),
            (Array(#"\n"#.utf8), true), (Array(#"\u00e9"#.utf8), true), (Array("é".utf8), true), (Array("€".utf8), true),
            (Array("😀".utf8), true), ([0x01], false), ([0xC3], false), (Array(#"\x"#.utf8), false),
        ]
        var random = SplitMix64(seed: 8)
        for _ in 0..<20_000 {
            var content: [UInt8] = []
            var valid = true
            for _ in 0..<Int(random.next() % 6) {
                // Half the pieces are plain runs of 1 to 9 bytes, so every position of the first
                // eight bytes holds the closing quote or a special byte often.
                let run: (bytes: [UInt8], valid: Bool) = (Array(Array("abcdefghi".utf8).prefix(1 + Int(random.next() % 9))), true)
                let piece = random.next() % 2 == 0 ? run : pieces[Int(random.next() % UInt64(pieces.count))]
                content += piece.bytes
                valid = valid && piece.valid
            }
            let after = Array(#",1]}" "#.utf8).prefix(Int(random.next() % 8))
            let text = [UInt8(ascii: "\"")] + content + [UInt8(ascii: "\"")] + after
            let end: Int? = text.withUnsafeBytes { try? JSONScanner($0).skipString(at: 0) }
            let shown = String(decoding: text, as: UTF8.self).debugDescription
            // No piece holds an unescaped quote, so the string ends only at the closing one.
            #expect(end == (valid ? content.count + 2 : nil), "\(shown)")
        }
    }
}
