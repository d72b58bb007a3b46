/// Why bytes are not a well-formed JSON text (RFC 8259), and where.
public struct JSONScanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset where the problem was found.
    public var offset: Int
    /// What was wrong there.
    public var reason: String

    /// Creates an error at `offset`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}
