/// Reads members, elements and scalars out of a JSON document by byte ranges, for decoding
/// documents whose embedded values must be recovered byte for byte.
public struct JSONReader {
    /// One member of an object.
    public struct Member {
        /// The decoded key.
        public var key: String
        /// The value, without surrounding whitespace.
        public var value: Range<Int>
        /// Everything between the ':' and the next ',' or '}', whitespace included.
        public var raw: Range<Int>
    }

    let bytes: UnsafeRawBufferPointer
    /// For a document validated as a whole: where its large values end. Navigating it then
    /// neither validates again nor rescans large values.
    private let validatedValueEnds: JSONScanner.ValueEnds?
    private var scanner: JSONScanner { JSONScanner(bytes) }

    /// Reads `bytes`, which must stay valid while the reader is used. Every read validates what
    /// it passes over.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.validatedValueEnds = nil
    }

    /// Validates `bytes` as one JSON document once, then reads it without validating again:
    /// decoding a document with large embedded values scans them once instead of once per level.
    /// - Returns: The reader and the range of the top-level value.
    /// - Throws: ``JSONScanError`` when the bytes are not one well-formed value.
    public static func validating(_ bytes: UnsafeRawBufferPointer) throws(JSONScanError) -> (reader: JSONReader, root: Range<Int>) {
        let valueEnds = JSONScanner.ValueEnds()
        let root = try rootValue(scanning: JSONScanner(bytes, recordingInto: valueEnds))
        return (JSONReader(bytes, validatedValueEnds: valueEnds), root)
    }

    private init(_ bytes: UnsafeRawBufferPointer, validatedValueEnds: JSONScanner.ValueEnds) {
        self.bytes = bytes
        self.validatedValueEnds = validatedValueEnds
    }

    /// The end of the value at `index`.
    private func skipValue(at index: Int) throws(JSONScanError) -> Int {
        guard let validatedValueEnds else { return try scanner.skipValue(at: index) }
        return validatedValueEnds.ends[index] ?? scanner.skipValidatedValue(at: index)
    }

    /// The range of the single top-level value.
    /// - Throws: ``JSONScanError`` when the bytes are not one well-formed value.
    public func rootValue() throws(JSONScanError) -> Range<Int> {
        try Self.rootValue(scanning: scanner)
    }

    private static func rootValue(scanning scanner: JSONScanner) throws(JSONScanError) -> Range<Int> {
        let start = scanner.skipWhitespace(from: 0)
        let end = try scanner.skipValue(at: start)
        guard scanner.skipWhitespace(from: end) == scanner.bytes.count else {
            throw JSONScanError(offset: end, reason: "unexpected data after the JSON value")
        }
        return start..<end
    }

    /// The members of the object at `range`.
    /// - Throws: ``JSONScanError`` when `range` is not an object.
    public func members(of range: Range<Int>) throws(JSONScanError) -> [Member] {
        guard !range.isEmpty, bytes[range.lowerBound] == UInt8(ascii: "{") else {
            throw JSONScanError(offset: range.lowerBound, reason: "expected an object")
        }
        var members: [Member] = []
        var index = scanner.skipWhitespace(from: range.lowerBound + 1)
        if bytes[index] == UInt8(ascii: "}") { return members }
        while true {
            let keyEnd = try scanner.skipString(at: index)
            let key = try string(at: index..<keyEnd)
            let colon = scanner.skipWhitespace(from: keyEnd)
            let valueStart = scanner.skipWhitespace(from: colon + 1)
            let valueEnd = try skipValue(at: valueStart)
            let delimiter = scanner.skipWhitespace(from: valueEnd)
            members.append(Member(key: key, value: valueStart..<valueEnd, raw: (colon + 1)..<delimiter))
            if bytes[delimiter] == UInt8(ascii: "}") { return members }
            index = scanner.skipWhitespace(from: delimiter + 1)
        }
    }

    /// The elements of the array at `range`.
    /// - Throws: ``JSONScanError`` when `range` is not an array.
    public func elements(of range: Range<Int>) throws(JSONScanError) -> [Range<Int>] {
        guard !range.isEmpty, bytes[range.lowerBound] == UInt8(ascii: "[") else {
            throw JSONScanError(offset: range.lowerBound, reason: "expected an array")
        }
        var elements: [Range<Int>] = []
        var index = scanner.skipWhitespace(from: range.lowerBound + 1)
        if bytes[index] == UInt8(ascii: "]") { return elements }
        while true {
            let end = try skipValue(at: index)
            elements.append(index..<end)
            let delimiter = scanner.skipWhitespace(from: end)
            if bytes[delimiter] == UInt8(ascii: "]") { return elements }
            index = scanner.skipWhitespace(from: delimiter + 1)
        }
    }

    /// The raw bytes of `range`.
    public func bytes(in range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    /// Whether the value at `range` is `null`.
    public func isNull(_ range: Range<Int>) -> Bool {
        range.count == 4 && bytes[range.lowerBound] == UInt8(ascii: "n")
    }

    /// Decodes the string at `range`, resolving escapes.
    /// - Throws: ``JSONScanError`` when `range` is not a string.
    public func string(at range: Range<Int>) throws(JSONScanError) -> String {
        guard range.count >= 2, bytes[range.lowerBound] == UInt8(ascii: "\"") else {
            throw JSONScanError(offset: range.lowerBound, reason: "expected a string")
        }
        let content = (range.lowerBound + 1)..<(range.upperBound - 1)
        guard bytes[content].contains(UInt8(ascii: "\\")) else {
            return String(decoding: bytes[content], as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var index = content.lowerBound
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll(keepingCapacity: true)
        }
        while index < content.upperBound {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                index += 1
                continue
            }
            flush()
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = hex(at: index)
                index += 4
                if (0xD800..<0xDC00).contains(code), index + 6 <= content.upperBound,
                    bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                {
                    let low = hex(at: index + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(escaped))
            }
        }
        flush()
        return String(scalars)
    }

    /// Decodes the integer at `range`.
    /// - Throws: ``JSONScanError`` when `range` is not an integer that fits in `Int`.
    public func integer(at range: Range<Int>) throws(JSONScanError) -> Int {
        guard let value = Int(String(decoding: bytes[range], as: UTF8.self)) else {
            throw JSONScanError(offset: range.lowerBound, reason: "expected an integer")
        }
        return value
    }

    /// Decodes the boolean at `range`.
    /// - Throws: ``JSONScanError`` when `range` is not `true` or `false`.
    public func bool(at range: Range<Int>) throws(JSONScanError) -> Bool {
        switch bytes[range.lowerBound] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw JSONScanError(offset: range.lowerBound, reason: "expected a boolean")
        }
    }

    private func hex(at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8 = switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            default: (byte | 0x20) - UInt8(ascii: "a") + 10
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
