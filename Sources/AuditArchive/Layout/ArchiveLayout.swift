import AuditEnvelope

/// Where archive files live under a root:
/// `<root>/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<startOffset>.jsonl.gz`, with the
/// manifest and any dead-letter file beside the segment, files being written in
/// `<root>/<topic>/.staging/` (same file system, so the final rename is atomic), writer locks
/// in `<root>/<topic>/.locks/` and head files in `<root>/<topic>/.heads/`.
public struct ArchiveLayout: Sendable {
    /// The archive root.
    public let root: String

    /// Creates a layout under `root`.
    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// The directory of `topic`.
    public func topicDirectory(_ topic: String) -> String { "\(root)/\(topic)" }

    /// The directory, relative to the root, for a segment whose first event happened at
    /// `eventTime` (microseconds since the Unix epoch, UTC); under an `s3://` root, the key prefix
    /// of its objects below the root's prefix.
    public static func segmentSubdirectory(topic: String, eventTime: Int64) -> String {
        let stamp = RFC3339.format(microseconds: eventTime)  // YYYY-MM-DDTHH:...
        return "\(topic)/dt=\(stamp.prefix(10))/hour=\(stamp.dropFirst(11).prefix(2))"
    }

    /// Where files of `topic` are written before they are renamed into place.
    public func stagingDirectory(_ topic: String) -> String { "\(topicDirectory(topic))/.staging" }

    /// Where the per-partition head files of `topic` are (``PartitionHeadFile``).
    public func headDirectory(_ topic: String) -> String { "\(topicDirectory(topic))/.heads" }

    /// Where the per-partition writer locks of `topic` are.
    public func lockDirectory(_ topic: String) -> String { "\(topicDirectory(topic))/.locks" }
}
