/// How request paths are read before rules match them, so that rules see the path the app
/// routes and not the raw bytes a client chose (`/%6Frders/1` is `/orders/1` to the app).
public struct PathMatching: Sendable, Hashable {
    /// Whether literal segments match regardless of case (for apps whose router ignores case,
    /// such as ASP.NET's).
    /// Default: `false`.
    public var caseInsensitive: Bool = false

    /// Whether `;name=value` parameters are removed from each segment before matching (for apps
    /// that route `/orders;jsessionid=1/7` as `/orders/7`, such as servlet containers).
    /// Default: `false`.
    public var stripSegmentParameters: Bool = false

    /// Creates the defaults above.
    public init() {}
}

/// The readings of a request path that rules are matched against.
public struct NormalizedPath: Sendable, Equatable {
    /// The normalized path recorded in the envelope: RFC 3986 §6.2.2 (percent-escapes of
    /// unreserved characters decoded, the others upper-cased), dot segments removed (§5.2.4),
    /// empty segments collapsed, without the query.
    public var path: String
    /// Every reading an app may route: `path`; the path with every valid escape decoded, as
    /// Python, Node and Java frameworks decode it before routing; and the raw path (all
    /// lower-cased when matching ignores case). A capture rule that matches any of them captures
    /// (when in doubt, capture).
    public var readings: [String]
    /// Whether the raw path held an escape that is not `%` and two hex digits, or that decodes
    /// to invalid UTF-8.
    public var hasBadEscapes: Bool
}

/// Normalizes request targets into ``NormalizedPath``.
public enum PathNormalizer {
    /// The readings of `target` (a request target: path and optional query).
    public static func normalize(_ target: Substring, matching: PathMatching = PathMatching()) -> NormalizedPath {
        let raw = target.prefix { $0 != "?" && $0 != "#" }
        var bad = false
        let rfc = canonical(removeDotSegments(decode(raw, all: false, bad: &bad)), matching: matching)
        let decoded = canonical(removeDotSegments(decode(raw, all: true, bad: &bad)), matching: matching)
        let literal = canonical(String(raw), matching: matching)
        var readings: [String] = []
        for reading in [rfc, decoded, literal].map({ matching.caseInsensitive ? $0.lowercased() : $0 }) where !readings.contains(reading) {
            readings.append(reading)
        }
        return NormalizedPath(path: rfc, readings: readings, hasBadEscapes: bad)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Decodes percent-escapes: those of unreserved characters only (`all: false`, keeping the
    /// others with upper-case hex), or every valid one (`all: true`). A malformed escape stays as
    /// it is and sets `bad`; so does a decoded byte sequence that is not UTF-8 (then the reading
    /// keeps those escapes).
    private static func decode(_ raw: Substring, all: Bool, bad: inout Bool) -> String {
        let bytes = Array(raw.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                bad = true
                out.append(byte)
                index += 1
                continue
            }
            let value = high << 4 | low
            if all || isUnreserved(value) {
                out.append(value)
            } else {
                out.append(contentsOf: Array("%".utf8) + Array(String(value, radix: 16, uppercase: true).leftPadded(to: 2).utf8))
            }
            index += 3
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            bad = true
            return decode(raw, all: false, bad: &bad)
        }
        return text
    }

    /// RFC 3986 §5.2.4, on a path that starts with `/` (or is made to).
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(path.hasPrefix("/") ? 1 : 0)
        var trailingSlash = false
        for (position, segment) in segments.enumerated() {
            let last = position == segments.count - 1
            switch segment {
            case ".":
                trailingSlash = last
            case "..":
                if !output.isEmpty { output.removeLast() }
                trailingSlash = last
            default:
                output.append(segment)
                trailingSlash = false
            }
        }
        return "/" + output.joined(separator: "/") + (trailingSlash && !output.isEmpty ? "/" : "")
    }

    /// Collapses empty segments and strips `;parameters` as configured.
    private static func canonical(_ path: String, matching: PathMatching) -> String {
        var segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if matching.stripSegmentParameters {
            segments = segments.map { String($0.prefix { $0 != ";" }) }.filter { !$0.isEmpty }
        }
        var result = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/"), !segments.isEmpty { result += "/" }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
