/// Where and how the publisher spools envelopes to disk while Kafka cannot take them.
public struct SpoolConfiguration: Sendable {
    /// The spool directory; segments left there by an earlier run are replayed at start.
    /// Default: `audit-spool` (relative to the working directory; mount a volume in containers).
    public var directory: String = "audit-spool"

    /// The most bytes the spool holds; past it envelopes are dropped with reason `spool_full`.
    /// Default: 1 GiB.
    public var maxBytes: Int = 1024 * 1024 * 1024

    /// Segment files are closed and a new one started past this size.
    /// Default: 64 MiB.
    public var segmentBytes: Int = 64 * 1024 * 1024

    /// How often written entries are fsynced. A process killed (even with SIGKILL) loses nothing
    /// already written; a machine that loses power loses at most this much of the spool.
    /// Default: 1 s.
    public var syncInterval: Duration = .seconds(1)

    /// Creates a configuration with the defaults above.
    public init() {}
}
