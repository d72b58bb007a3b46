import AuditEnvelope
import Foundation
import NIOCore

/// Replaces the values of selected JSON fields by `"[REDACTED]"`, keeping every other byte.
/// Keys are compared decoded (`"pass\u0077ord"` is `password`).
struct JSONRedactor: Sendable {
    let fields: KeyMatcher
    /// Pointers split into unescaped segments; `*` matches any segment.
    let pointers: [[String]]

    init(fields: KeyMatcher, pointers: [String]) {
        self.fields = fields
        self.pointers = pointers.compactMap(Self.segments(of:))
    }

    /// Whether nothing can be redacted.
    var isEmpty: Bool { fields.isEmpty && pointers.isEmpty }

    /// The redacted bytes and the JSON Pointers redacted, or `nil` when `body` is not well-formed JSON.
    func redact(_ body: ByteBuffer) -> (body: ByteBuffer, redacted: [String])? {
        body.withUnsafeReadableBytes { bytes -> (ByteBuffer, [String])? in
            guard JSONScanner.validate(bytes) == nil else { return nil }
            let replacements = scan(bytes)
            guard !replacements.isEmpty else { return (body, []) }
            return (Self.splice(bytes, replacing: replacements.map(\.range), upTo: bytes.count), replacements.map(\.pointer))
        }
    }

    /// `bytes[..<end]` with each of `ranges` (in order, not overlapping, within `end`) replaced
    /// by the marker as a JSON string.
    static func splice(_ bytes: UnsafeRawBufferPointer, replacing ranges: [Range<Int>], upTo end: Int) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(end)
        var copied = 0
        for range in ranges {
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[copied..<range.lowerBound]))
            out.writeJSONString(RedactionConfiguration.marker)
            copied = range.upperBound
        }
        out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[copied..<end]))
        return out
    }

    /// Where a value sits: under a key of an object (its bytes, quotes included, decoded only
    /// when a pointer is needed), or at an index of an array.
    private enum Level {
        case object(key: Range<Int>)
        case array(index: Int)
    }

    /// One pass over a validated document, in order: keys are recognised as the strings followed
    /// by `:`, and the value of a sensitive key (or at a configured pointer) is skipped whole and
    /// recorded. Keys are judged by their raw bytes, remembered per body (``KeyVerdicts``).
    private func scan(_ bytes: UnsafeRawBufferPointer) -> [(range: Range<Int>, pointer: String)] {
        let scanner = JSONScanner(bytes)
        let reader = JSONReader(bytes)
        var levels: [Level] = []
        var verdicts = KeyVerdicts()
        var replacements: [(range: Range<Int>, pointer: String)] = []
        var index = scanner.skipWhitespace(from: 0)

        func path() -> [String] {
            levels.map { level in
                switch level {
                case .object(let key): Self.key(bytes, key, reader: reader)
                case .array(let position): String(position)
                }
            }
        }

        /// Whether the value starting at `start` is redacted (by its key, or by a pointer to its
        /// path); if so it is recorded and the scan goes on after it.
        func redacted(valueAt start: Int, byKey: Bool) -> Bool {
            guard byKey || !pointers.isEmpty else { return false }
            let path = path()
            guard byKey || pointers.contains(where: { Self.matches($0, path) }) else { return false }
            let end = scanner.skipValidatedValue(at: start)
            replacements.append((start..<end, Self.pointer(path)))
            index = end
            return true
        }

        func isSensitive(_ key: Range<Int>) -> Bool {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[(key.lowerBound + 1)..<(key.upperBound - 1)])
            if let verdict = verdicts.verdict(for: raw) { return verdict }
            let verdict = raw.contains(UInt8(ascii: "\\")) ? fields.matches(Self.key(bytes, key, reader: reader)) : fields.matches(utf8: raw)
            verdicts.record(verdict, for: raw)
            return verdict
        }

        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                levels.append(.object(key: index..<index))
                index += 1
            case UInt8(ascii: "["):
                levels.append(.array(index: 0))
                let start = scanner.skipWhitespace(from: index + 1)
                index += 1
                if bytes[start] != UInt8(ascii: "]") { _ = redacted(valueAt: start, byKey: false) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                levels.removeLast()
                index += 1
            case UInt8(ascii: ","):
                index += 1
                if case .array(let position) = levels.last {
                    levels[levels.count - 1] = .array(index: position + 1)
                    _ = redacted(valueAt: scanner.skipWhitespace(from: index), byKey: false)
                }
            case UInt8(ascii: "\""):
                let end = scanner.skipValidatedValue(at: index)
                let colon = scanner.skipWhitespace(from: end)
                guard case .object = levels.last, colon < bytes.count, bytes[colon] == UInt8(ascii: ":") else {
                    index = end
                    continue
                }
                levels[levels.count - 1] = .object(key: index..<end)
                let sensitive = isSensitive(index..<end)
                index = colon + 1
                _ = redacted(valueAt: scanner.skipWhitespace(from: index), byKey: sensitive)
            default:
                index += 1
            }
        }
        return replacements
    }

    /// A key, decoded (escapes resolved) only when it has any.
    static func key(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, reader: JSONReader) -> String {
        let content = (range.lowerBound + 1)..<(range.upperBound - 1)
        guard bytes[content].contains(UInt8(ascii: "\\")) else { return String(decoding: bytes[content], as: UTF8.self) }
        return (try? reader.string(at: range)) ?? String(decoding: bytes[content], as: UTF8.self)
    }

    static func matches(_ pointer: [String], _ path: [String]) -> Bool {
        pointer.count == path.count && zip(pointer, path).allSatisfy { $0 == "*" || $0 == $1 }
    }

    /// RFC 6901: `/a~1b/c~0d` → `["a/b", "c~d"]`; `nil` for a pointer that does not start with `/`.
    static func segments(of pointer: String) -> [String]? {
        guard pointer.hasPrefix("/") else { return nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func pointer(_ path: [String]) -> String {
        path.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }
}
