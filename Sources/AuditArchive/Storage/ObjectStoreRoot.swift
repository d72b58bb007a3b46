/// An archive root in an S3 bucket, as the consumer writes it: where, through which client, the
/// local directory where segments are staged before upload, and how old an object without a
/// manifest must be before a writer may remove it.
public struct ObjectStoreRoot: Sendable {
    /// The bucket and prefix.
    public var location: S3Location
    /// The client (endpoint, region, credentials).
    public var client: S3Client
    /// Where segment files are written before they are uploaded (local disk; an `emptyDir` in
    /// Kubernetes). Default: `$TMPDIR/auditshipper-staging`.
    public var stagingDirectory: String
    /// A segment or dead-letter object with no manifest beside it is what a writer killed
    /// between uploads leaves; it may also be a live writer's upload whose manifest is still on
    /// its way. Older than this, it is the former and is removed; younger, the partition waits.
    /// Default: 2 minutes.
    public var orphanGrace: Duration = .seconds(120)

    /// Creates a root.
    public init(location: S3Location, client: S3Client, stagingDirectory: String) {
        self.location = location
        self.client = client
        self.stagingDirectory = stagingDirectory
    }
}
