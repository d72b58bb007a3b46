import AuditEnvelope

/// One strict pass over a whole JSON document that also finds what to redact, so a body is read
/// once, not validated and then scanned: the grammar as ``JSONScanner/validate(_:)`` checks it
/// (strings, escapes, UTF-8, numbers, literals and the nesting limit by the scanner itself), keys
/// judged by their raw bytes (``KeyVerdicts``), and the value of a sensitive key, or at a
/// configured pointer, checked and skipped whole and recorded.
struct JSONRedactionScan {
    /// Where a value sits: under a key of an object (its bytes, quotes included, decoded only
    /// when a pointer is needed), or at an index of an array.
    private enum Level {
        case object(key: Range<Int>)
        case array(index: Int)
    }

    private let fields: KeyMatcher
    private let pointers: [[String]]
    /// Whether any pointer is configured (without one, no path is built before a replacement).
    private let hasPointers: Bool
    private let bytes: UnsafeRawBufferPointer
    /// Made where used, not stored: a scanner that records nothing costs no reference counting.
    private var scanner: JSONScanner { JSONScanner(bytes) }
    private let reader: JSONReader
    private var levels: [Level] = []
    private var verdicts = KeyVerdicts()
    private var replacements: [(range: Range<Int>, pointer: String)] = []

    init(redactor: JSONRedactor, bytes: UnsafeRawBufferPointer) {
        fields = redactor.fields
        pointers = redactor.pointers
        hasPointers = !redactor.pointers.isEmpty
        self.bytes = bytes
        reader = JSONReader(bytes)
    }

    /// The values to replace, in order.
    /// - Throws: ``JSONScanError`` when the bytes are not exactly one JSON value, optionally
    ///   surrounded by whitespace (what ``JSONScanner/validate(_:)`` refuses).
    consuming func run() throws(JSONScanError) -> [(range: Range<Int>, pointer: String)] {
        let end = try value(at: scanner.skipWhitespace(from: 0), depth: 0, byKey: false)
        let trailing = scanner.skipWhitespace(from: end)
        guard trailing == bytes.count else { throw JSONScanError(offset: trailing, reason: "unexpected data after the JSON value") }
        return replacements
    }

    /// The value at `index`, inside `depth` containers: replaced whole when its key is sensitive
    /// (`byKey`) or a pointer names its path, entered when it is a container, else checked.
    private mutating func value(at index: Int, depth: Int, byKey: Bool) throws(JSONScanError) -> Int {
        if byKey || (hasPointers && pointers.contains(where: { [path = path()] pointer in JSONRedactor.matches(pointer, path) })) {
            let end = try scanner.skipValue(at: index, nestedIn: depth)
            replacements.append((index..<end, JSONRedactor.pointer(path())))
            return end
        }
        guard index < bytes.count else { throw JSONScanError(offset: index, reason: "unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(at: index, depth: depth + 1)
        case UInt8(ascii: "["): return try array(at: index, depth: depth + 1)
        default: return try scanner.skipValue(at: index, nestedIn: depth)
        }
    }

    private mutating func object(at start: Int, depth: Int) throws(JSONScanError) -> Int {
        guard depth <= JSONScanner.maximumDepth else { throw JSONScanError(offset: start, reason: "nesting deeper than \(JSONScanner.maximumDepth)") }
        var index = scanner.skipWhitespace(from: start + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return index + 1 }
        levels.append(.object(key: start..<start))
        defer { levels.removeLast() }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw JSONScanError(offset: index, reason: "expected an object key")
            }
            let key = index..<(try scanner.skipString(at: index))
            let sensitive = isSensitive(key)
            index = scanner.skipWhitespace(from: key.upperBound)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw JSONScanError(offset: index, reason: "expected ':'") }
            let valueStart = scanner.skipWhitespace(from: index + 1)
            // The key joins the path only where a path can be asked for: a value that may be
            // replaced, or a container whose members may be (most keys hold plain scalars).
            if sensitive || hasPointers || isContainer(at: valueStart) { levels[levels.count - 1] = .object(key: key) }
            index = scanner.skipWhitespace(from: try value(at: valueStart, depth: depth, byKey: sensitive))
            guard index < bytes.count else { throw JSONScanError(offset: index, reason: "unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: ","): index = scanner.skipWhitespace(from: index + 1)
            case UInt8(ascii: "}"): return index + 1
            default: throw JSONScanError(offset: index, reason: "expected ',' or '}'")
            }
        }
    }

    private mutating func array(at start: Int, depth: Int) throws(JSONScanError) -> Int {
        guard depth <= JSONScanner.maximumDepth else { throw JSONScanError(offset: start, reason: "nesting deeper than \(JSONScanner.maximumDepth)") }
        var index = scanner.skipWhitespace(from: start + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return index + 1 }
        levels.append(.array(index: 0))
        defer { levels.removeLast() }
        var position = 0
        while true {
            levels[levels.count - 1] = .array(index: position)
            index = scanner.skipWhitespace(from: try value(at: index, depth: depth, byKey: false))
            guard index < bytes.count else { throw JSONScanError(offset: index, reason: "unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: ","): index = scanner.skipWhitespace(from: index + 1)
            case UInt8(ascii: "]"): return index + 1
            default: throw JSONScanError(offset: index, reason: "expected ',' or ']'")
            }
            position += 1
        }
    }

    /// Whether an object or an array starts at `index`.
    private func isContainer(at index: Int) -> Bool {
        index < bytes.count && (bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "["))
    }

    /// Whether the key (quotes included) is sensitive: judged once per distinct raw key.
    private mutating func isSensitive(_ key: Range<Int>) -> Bool {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[(key.lowerBound + 1)..<(key.upperBound - 1)])
        let head = KeyVerdicts.head(of: bytes, start: key.lowerBound + 1, count: raw.count)
        if let verdict = verdicts.verdict(for: raw, head: head) { return verdict }
        let verdict = raw.contains(UInt8(ascii: "\\")) ? fields.matches(JSONRedactor.key(bytes, key, reader: reader)) : fields.matches(utf8: raw)
        verdicts.record(verdict, for: raw, head: head)
        return verdict
    }

    /// The path of the value being read, keys decoded.
    private func path() -> [String] {
        levels.map { level in
            switch level {
            case .object(let key): JSONRedactor.key(bytes, key, reader: reader)
            case .array(let position): String(position)
            }
        }
    }
}
