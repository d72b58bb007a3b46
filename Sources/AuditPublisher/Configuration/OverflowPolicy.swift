/// What happens to a captured exchange when the in-memory queue is full.
public struct OverflowPolicy: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case spool, drop, block
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Write it to the disk spool (after the response has been written; the connection's next
    /// request waits for the write). The default.
    public static let spool = OverflowPolicy(.spool)
    /// Drop it, counted under reason `queue_full` and logged (rate-limited).
    public static let drop = OverflowPolicy(.drop)
    /// Wait for room. The response has been written, but the connection's next request waits,
    /// so this adds latency under sustained overload. An exchange larger than the whole queue is
    /// spooled instead, since waiting for it could never end.
    public static let block = OverflowPolicy(.block)

    /// Parses `spool`, `drop` or `block`.
    public init?(name: String) {
        guard let base = Base(rawValue: name.lowercased()) else { return nil }
        self.base = base
    }

    public var description: String { base.rawValue }
}
