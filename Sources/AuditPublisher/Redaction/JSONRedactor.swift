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
            let replacements: [(range: Range<Int>, pointer: String)]
            do throws(JSONScanError) {
                replacements = try JSONRedactionScan(redactor: self, bytes: bytes).run()
            } catch {
                return nil
            }
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
