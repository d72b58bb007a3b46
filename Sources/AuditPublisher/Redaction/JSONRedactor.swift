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
            let reader = JSONReader(bytes)
            guard let root = try? reader.rootValue() else { return nil }
            var replacements: [(range: Range<Int>, pointer: String)] = []
            walk(reader, root, path: [], into: &replacements)
            guard !replacements.isEmpty else { return (body, []) }
            replacements.sort { $0.range.lowerBound < $1.range.lowerBound }
            var out = ByteBuffer()
            out.reserveCapacity(bytes.count)
            var copied = 0
            for replacement in replacements {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[copied..<replacement.range.lowerBound]))
                out.writeJSONString(RedactionConfiguration.marker)
                copied = replacement.range.upperBound
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[copied..<bytes.count]))
            return (out, replacements.map(\.pointer))
        }
    }

    private func walk(_ reader: JSONReader, _ range: Range<Int>, path: [String], into replacements: inout [(range: Range<Int>, pointer: String)]) {
        if pointers.contains(where: { Self.matches($0, path) }) {
            replacements.append((range, Self.pointer(path)))
            return
        }
        guard !fields.isEmpty || pointers.contains(where: { $0.count > path.count && Self.matches(Array($0.prefix(path.count)), path) }) else {
            return
        }
        if let members = try? reader.members(of: range) {
            for member in members {
                let childPath = path + [member.key]
                if fields.matches(member.key) {
                    replacements.append((member.value, Self.pointer(childPath)))
                } else {
                    walk(reader, member.value, path: childPath, into: &replacements)
                }
            }
        } else if let elements = try? reader.elements(of: range) {
            for (index, element) in elements.enumerated() {
                walk(reader, element, path: path + [String(index)], into: &replacements)
            }
        }
    }

    private static func matches(_ pointer: [String], _ path: [String]) -> Bool {
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
