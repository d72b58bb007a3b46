/// What a captured exchange survives before Kafka has acknowledged it.
public struct Durability: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case memory, disk
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Exchanges wait in the memory queue and go straight to Kafka; they reach the spool only
    /// while Kafka is unreachable, after a failed delivery or when the queue overflows. A process
    /// killed (SIGKILL, OOM) loses what was queued or in flight, and the archive's `reconcile`
    /// names those sequence numbers. Adds nothing to responses. The default.
    public static let memory = Durability(.memory)

    /// Every exchange is built and appended to the spool (the page cache; fsynced at the spool's
    /// sync interval) before the last chunk of its response is written, then sent from there and
    /// released once Kafka acknowledged it. A killed process loses nothing whose response ended;
    /// a power loss loses at most the sync interval. Costs the envelope build and a spool write
    /// on each response's last chunk, and a read back from the page cache.
    public static let disk = Durability(.disk)

    /// Parses `memory` or `disk`.
    public init?(name: String) {
        guard let base = Base(rawValue: name.lowercased()) else { return nil }
        self.base = base
    }

    public var description: String { base.rawValue }
}
