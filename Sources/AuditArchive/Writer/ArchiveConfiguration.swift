/// How `audit-consumer` writes archives.
public struct ArchiveConfiguration: Sendable {
    /// When an open segment is closed. Whichever limit is reached first closes it.
    public struct Rotation: Sendable {
        /// Compressed bytes after which a segment closes. Default: 128 MiB.
        public var maxBytes: Int = 128 * 1024 * 1024
        /// Envelopes after which a segment closes. Default: 10,000.
        public var maxRecords: Int = 10_000
        /// Event-time window of a segment, aligned to the Unix epoch (so one hour means UTC clock
        /// hours, matching the `hour=` directories): an envelope whose event time is at or past the
        /// end of the open segment's window starts a new segment. Late envelopes stay in the open
        /// segment when they are of its hour or the hour before; earlier ones start a segment of
        /// their own (``ArchiveLayout/lateHours``). Whole seconds dividing an hour (1 to 3600).
        /// Default: 1 hour.
        public var eventTimeInterval: Duration = .seconds(3600)
        /// Wall-clock time after which an open segment closes even if no limit above is reached;
        /// it bounds the delay from an exchange to its durable archive, and how long its offsets
        /// stay uncommitted. Default: 30 seconds.
        public var maxOpenDuration: Duration = .seconds(30)

        /// Creates the defaults.
        public init() {}
    }

    /// The archive root: a directory, or an `s3://BUCKET/PREFIX` location whose bucket and
    /// client ``objectStore`` gives.
    public var root: String
    /// The bucket written to when the root is `s3://…`; `nil` for a directory.
    public var objectStore: ObjectStoreRoot?
    /// Segment rotation.
    public var rotation = Rotation()
    /// gzip level, 1 (fastest) to 9 (smallest). Default: 1.
    public var compressionLevel: Int32 = 1
    /// How long a chunked envelope may wait for its missing chunks before its chunks go to the
    /// dead-letter file. Default: 5 minutes.
    public var chunkTimeout: Duration = .seconds(300)
    /// The largest envelope accepted, whole or as announced by chunk headers; larger records go
    /// to the dead-letter file. Default: 64 MiB.
    public var maxEnvelopeBytes: Int = 64 * 1024 * 1024
    /// The Ed25519 key manifests are signed with. Default: none (manifests are unsigned, and
    /// `audit-archive verify` says so).
    public var signingKey: ManifestSigningKey?
    /// With a signing key: earlier keys whose signatures a partition's newest manifest may carry
    /// when the writer resumes from it (key rotation). Default: none.
    public var previousPublicKeys: [ManifestPublicKey] = []
    /// With a signing key: resume from an unsigned newest manifest (the first start with a key
    /// over an archive written without one). Default: `false`, such a head is refused.
    public var adoptsUnsignedHead = false
    /// Written into manifests as `writer`. Default: `audit-consumer`.
    public var writer = "audit-consumer"

    /// Creates a configuration with defaults for everything but the root.
    public init(root: String) {
        self.root = root
    }
}
