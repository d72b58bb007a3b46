/// A segment made durable: renamed into place with its manifest and the directory fsynced, or
/// uploaded with its manifest last.
public struct ClosedSegment: Sendable {
    /// Its manifest as written.
    public var manifest: SegmentManifest
    /// Where the manifest is: a path, or an `s3://` URL.
    public var manifestPath: String
    /// Lowercase hex SHA-256 of the manifest file: what the next manifest links to, and what a
    /// checkpoint on the witness topic records.
    public var manifestSHA256: String
    /// The offset to commit to Kafka now: everything before it is durable or carried over.
    public var commitOffset: Int64
    /// For each envelope, microseconds from the end of its exchange to the segment being durable.
    public var archiveDelays: [Int64]
}
