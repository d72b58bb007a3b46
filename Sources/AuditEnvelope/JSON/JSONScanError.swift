/// Why bytes are not a well-formed JSON text (RFC 8259), and where.
public struct JSONScanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset where the problem was found.
    public var offset: Int
    /// What was wrong there.
    public var reason: String
    /// Whether the bytes ran out inside a token (an escape, a UTF-8 sequence, a literal): more
    /// bytes might have made it well-formed. An error at an offset at or past the end means the
    /// same.
    public var ranOutOfInput: Bool

    /// Creates an error at `offset`.
    public init(offset: Int, reason: String, ranOutOfInput: Bool = false) {
        self.offset = offset
        self.reason = reason
        self.ranOutOfInput = ranOutOfInput
    }

    public var description: String { "\(reason) at byte \(offset)" }
}
