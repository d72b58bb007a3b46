import Foundation

/// A path pattern that selects routes: literal segments, `{name}` or `:name` parameters and `*`
/// match one segment, `**` matches any number of segments (zero included), and a segment may
/// end in `*` to match by prefix (`/v1/report*`).
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case prefix(String)
        case anySegment
        case anySegments
    }

    /// The pattern as written.
    public let text: String
    let segments: [Segment]

    /// Parses a pattern.
    /// - Throws: ``CaptureError`` when the pattern does not start with `/` or has an
    ///   empty parameter name.
    public init(_ text: String) throws(CaptureError) {
        guard text.hasPrefix("/") else {
            throw CaptureError(key: "path", "pattern '\(text)' must start with '/'")
        }
        var segments: [Segment] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if part == "**" {
                segments.append(.anySegments)
            } else if part == "*" {
                segments.append(.anySegment)
            } else if part.hasPrefix("{") && part.hasSuffix("}") || part.hasPrefix(":") {
                let name = part.trimmingCharacters(in: ["{", "}", ":"])
                guard !name.isEmpty else {
                    throw CaptureError(key: "path", "pattern '\(text)' has a parameter without a name")
                }
                segments.append(.anySegment)
            } else if part.hasSuffix("*") {
                segments.append(.prefix(String(part.dropLast())))
            } else {
                segments.append(.literal(part))
            }
        }
        self.text = text
        self.segments = segments
    }

    /// Whether `path` (without query) matches.
    public func matches(_ path: Substring) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return Self.match(segments[...], parts[...])
    }

    private static func match(_ segments: ArraySlice<Segment>, _ parts: ArraySlice<Substring>) -> Bool {
        guard let segment = segments.first else { return parts.isEmpty }
        let rest = segments.dropFirst()
        switch segment {
        case .anySegments:
            if rest.isEmpty { return true }
            var remaining = parts
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        case .anySegment:
            return !parts.isEmpty && match(rest, parts.dropFirst())
        case .literal(let literal):
            return parts.first.map { $0 == literal } == true && match(rest, parts.dropFirst())
        case .prefix(let prefix):
            return parts.first.map { $0.hasPrefix(prefix) } == true && match(rest, parts.dropFirst())
        }
    }

    public var description: String { text }
}
