import Foundation

/// Which response statuses keep a captured exchange: classes (`4xx`), single codes (`201`) and
/// ranges (`500-599`).
public struct StatusFilter: Sendable, Hashable, CustomStringConvertible {
    let ranges: [ClosedRange<Int>]
    private let text: String

    /// Parses a list such as `["4xx", "5xx", "201", "300-399"]`.
    /// - Throws: ``CaptureError`` naming an entry that is none of these forms.
    public init(_ entries: [String]) throws(CaptureError) {
        var ranges: [ClosedRange<Int>] = []
        for entry in entries.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            if entry.count == 3, entry.hasSuffix("xx"), let digit = Int(entry.prefix(1)), (1...5).contains(digit) {
                ranges.append(digit * 100...digit * 100 + 99)
            } else if let code = Int(entry), (100...599).contains(code) {
                ranges.append(code...code)
            } else if case let bounds = entry.split(separator: "-"), bounds.count == 2,
                let low = Int(bounds[0]), let high = Int(bounds[1]), 100 <= low, low <= high, high <= 599 {
                ranges.append(low...high)
            } else {
                throw CaptureError(key: "status", "'\(entry)' is not a status class (4xx), code (201) or range (500-599)")
            }
        }
        self.ranges = ranges
        self.text = entries.joined(separator: ",")
    }

    /// Whether `status` is kept.
    public func matches(_ status: Int) -> Bool {
        ranges.contains { $0.contains(status) }
    }

    public var description: String { text }
}
