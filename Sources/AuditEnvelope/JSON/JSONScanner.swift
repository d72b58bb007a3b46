/// A validating JSON scanner that finds where values start and end without building them.
///
/// It checks the full RFC 8259 grammar, including valid UTF-8 inside strings, so that bytes it
/// accepts can be embedded verbatim in another JSON document. It never allocates per value.
public struct JSONScanner {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 512

    /// Where large values end, keyed by where they start, recorded while validating so that a
    /// decoder navigating the document later finds them without scanning them again.
    @usableFromInline final class ValueEnds {
        /// Values at least this long are recorded.
        @usableFromInline static let minimumBytes = 4096
        @usableFromInline var ends: [Int: Int] = [:]

        init() {}
    }

    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline let valueEnds: ValueEnds?

    /// Scans `bytes`, which must stay valid while the scanner is used.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.valueEnds = nil
    }

    /// Scans `bytes`, recording into `valueEnds` where each large value validated ends.
    init(_ bytes: UnsafeRawBufferPointer, recordingInto valueEnds: ValueEnds) {
        self.bytes = bytes
        self.valueEnds = valueEnds
    }

    /// Checks that the bytes are exactly one JSON value, optionally surrounded by whitespace.
    /// - Returns: `nil` when well-formed, otherwise the first problem.
    public static func validate(_ bytes: UnsafeRawBufferPointer) -> JSONScanError? {
        let scanner = JSONScanner(bytes)
        do throws(JSONScanError) {
            let end = try scanner.skipValue(at: scanner.skipWhitespace(from: 0))
            let trailing = scanner.skipWhitespace(from: end)
            guard trailing == bytes.count else {
                throw JSONScanError(offset: trailing, reason: "unexpected data after the JSON value")
            }
            return nil
        } catch {
            return error
        }
    }

    /// The first index at or after `index` that is not JSON whitespace.
    @inlinable @inline(__always)
    public func skipWhitespace(from index: Int) -> Int {
        var index = index
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index
            }
        }
        return index
    }

    /// The index just past the value that starts at `index`.
    /// - Throws: ``JSONScanError`` when no well-formed value starts there.
    @inlinable
    public func skipValue(at index: Int) throws(JSONScanError) -> Int {
        try skipValue(at: index, depth: 0)
    }

    /// ``skipValue(at:)`` for a value inside `depth` containers: nesting is limited to
    /// ``maximumDepth`` counting those, as ``validate(_:)`` counts it.
    @inlinable
    public func skipValue(at index: Int, nestedIn depth: Int) throws(JSONScanError) -> Int {
        try skipValue(at: index, depth: depth)
    }

    /// The index just past the value that starts at `index`, in bytes already known to be
    /// well-formed (accepted by ``skipValue(at:)`` or ``validate(_:)``): it only follows strings
    /// and brackets, several times faster than validating again. On malformed bytes the result is
    /// meaningless but stays within the buffer.
    public func skipValidatedValue(at index: Int) -> Int {
        guard index < bytes.count else { return bytes.count }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return skipValidatedString(at: index)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var position = index
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    position = skipValidatedString(at: position)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return position + 1 }
                default:
                    break
                }
                position += 1
            }
            return bytes.count
        default:
            var position = index + 1
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return position
                default: position += 1
                }
            }
            return position
        }
    }

    /// The index just past the well-formed string that starts at `start`.
    private func skipValidatedString(at start: Int) -> Int {
        var position = start + 1
        while position < bytes.count {
            position = skipPlainASCII(from: position)
            guard position < bytes.count else { break }
            switch bytes[position] {
            case UInt8(ascii: "\""): return position + 1
            case UInt8(ascii: "\\"): position += 2
            default: position += 1
            }
        }
        return bytes.count
    }

    @inlinable
    func skipValue(at index: Int, depth: Int) throws(JSONScanError) -> Int {
        let end = try scanValue(at: index, depth: depth)
        // Checked before the optional is read: no retain for the many short values.
        if end - index >= ValueEnds.minimumBytes { valueEnds?.ends[index] = end }
        return end
    }

    @inlinable
    func scanValue(at index: Int, depth: Int) throws(JSONScanError) -> Int {
        guard index < bytes.count else { throw JSONScanError(offset: index, reason: "unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try skipObject(at: index, depth: depth + 1)
        case UInt8(ascii: "["): return try skipArray(at: index, depth: depth + 1)
        case UInt8(ascii: "\""): return try skipString(at: index)
        case UInt8(ascii: "t"): return try skipLiteral("true", at: index)
        case UInt8(ascii: "f"): return try skipLiteral("false", at: index)
        case UInt8(ascii: "n"): return try skipLiteral("null", at: index)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try skipNumber(at: index)
        default: throw JSONScanError(offset: index, reason: "unexpected character")
        }
    }

    @usableFromInline
    func skipObject(at start: Int, depth: Int) throws(JSONScanError) -> Int {
        guard depth <= Self.maximumDepth else { throw JSONScanError(offset: start, reason: "nesting deeper than \(Self.maximumDepth)") }
        var index = skipWhitespace(from: start + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return index + 1 }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw JSONScanError(offset: index, reason: "expected an object key")
            }
            index = skipWhitespace(from: try skipString(at: index))
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw JSONScanError(offset: index, reason: "expected ':'")
            }
            index = skipWhitespace(from: try skipValue(at: skipWhitespace(from: index + 1), depth: depth))
            guard index < bytes.count else { throw JSONScanError(offset: index, reason: "unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: ","): index = skipWhitespace(from: index + 1)
            case UInt8(ascii: "}"): return index + 1
            default: throw JSONScanError(offset: index, reason: "expected ',' or '}'")
            }
        }
    }

    @usableFromInline
    func skipArray(at start: Int, depth: Int) throws(JSONScanError) -> Int {
        guard depth <= Self.maximumDepth else { throw JSONScanError(offset: start, reason: "nesting deeper than \(Self.maximumDepth)") }
        var index = skipWhitespace(from: start + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return index + 1 }
        while true {
            index = skipWhitespace(from: try skipValue(at: index, depth: depth))
            guard index < bytes.count else { throw JSONScanError(offset: index, reason: "unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: ","): index = skipWhitespace(from: index + 1)
            case UInt8(ascii: "]"): return index + 1
            default: throw JSONScanError(offset: index, reason: "expected ',' or ']'")
            }
        }
    }

    /// The index just past the string whose opening quote is at `start`.
    @inlinable @inline(__always)
    public func skipString(at start: Int) throws(JSONScanError) -> Int {
        let index = start + 1
        // Most strings are short and plain (keys, codes): the closing quote is the first byte of
        // the next eight that needs a look, read from the word already loaded.
        if index + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let mask = Self.attentionMask(word)
            if mask != 0 {
                let offset = mask.trailingZeroBitCount >> 3
                if UInt8(truncatingIfNeeded: word >> UInt64(offset << 3)) == UInt8(ascii: "\"") { return index + offset + 1 }
            }
        }
        return try skipStringContent(from: index)
    }

    /// The index just past the closing quote of string content that starts at `start`.
    @usableFromInline
    func skipStringContent(from start: Int) throws(JSONScanError) -> Int {
        var index = start
        while index < bytes.count {
            index = skipPlainASCII(from: index)
            guard index < bytes.count else { break }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                return index + 1
            case UInt8(ascii: "\\"):
                index = try skipEscape(at: index)
            case 0x00..<0x20:
                throw JSONScanError(offset: index, reason: "unescaped control character in string")
            case 0x20..<0x80:
                index += 1
            default:
                index = try skipUTF8Sequence(at: index)
            }
        }
        throw JSONScanError(offset: index, reason: "unterminated string")
    }

    @usableFromInline
    func skipEscape(at index: Int) throws(JSONScanError) -> Int {
        guard index + 1 < bytes.count else { throw JSONScanError(offset: index, reason: "unterminated escape", ranOutOfInput: true) }
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
            UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return index + 2
        case UInt8(ascii: "u"):
            guard index + 6 <= bytes.count else { throw JSONScanError(offset: index, reason: "truncated \\u escape", ranOutOfInput: true) }
            for offset in 2..<6 where !Self.isHexDigit(bytes[index + offset]) {
                throw JSONScanError(offset: index + offset, reason: "invalid \\u escape")
            }
            return index + 6
        default:
            throw JSONScanError(offset: index, reason: "invalid escape")
        }
    }

    /// Validates one multi-byte UTF-8 sequence (no overlongs, no surrogates, at most U+10FFFF).
    @usableFromInline
    func skipUTF8Sequence(at index: Int) throws(JSONScanError) -> Int {
        let lead = bytes[index]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: throw JSONScanError(offset: index, reason: "invalid UTF-8")
        }
        guard index + length <= bytes.count else { throw JSONScanError(offset: index, reason: "truncated UTF-8 sequence", ranOutOfInput: true) }
        let second = bytes[index + 1]
        guard second >= lowerBound, second <= upperBound else { throw JSONScanError(offset: index, reason: "invalid UTF-8") }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            throw JSONScanError(offset: index + offset, reason: "invalid UTF-8")
        }
        return index + length
    }

    @inlinable
    func skipLiteral(_ literal: StaticString, at index: Int) throws(JSONScanError) -> Int {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw JSONScanError(offset: index, reason: "unexpected end of input", ranOutOfInput: true) }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            throw JSONScanError(offset: index + offset, reason: "invalid literal")
        }
        return index + count
    }

    @inlinable
    func skipNumber(at start: Int) throws(JSONScanError) -> Int {
        var index = start
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, Self.isDigit(bytes[index]) else { throw JSONScanError(offset: index, reason: "invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw JSONScanError(offset: index, reason: "invalid number") }
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw JSONScanError(offset: index, reason: "invalid number") }
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }
        return index
    }

    /// The first index at or after `index` whose byte is a quote, a backslash, a control
    /// character or non-ASCII, or where fewer than eight bytes are left: string content eight
    /// bytes at a time, jumping straight to the byte that needs a look.
    @inlinable @inline(__always)
    func skipPlainASCII(from index: Int) -> Int {
        var index = index
        while index + 8 <= bytes.count {
            let mask = Self.attentionMask(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            if mask != 0 { return index + mask.trailingZeroBitCount >> 3 }
            index += 8
        }
        return index
    }

    /// The high bit of each byte of `word` (first byte in the lowest bits) set where that byte may
    /// be a quote, a backslash, a control character or non-ASCII. The lowest set bit is exact:
    /// the borrows that can mark a plain byte by mistake only run upwards from a byte that does
    /// need attention, so `trailingZeroBitCount / 8` is the first such byte.
    @inlinable @inline(__always)
    static func attentionMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highBits
    }

    @inlinable
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @usableFromInline
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- UInt8(ascii: "a") < 6
    }
}
