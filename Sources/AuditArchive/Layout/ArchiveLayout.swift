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

    /// Why the layout cannot hold `topic` as a directory under the root, if it cannot: Kafka's
    /// characters (letters, digits, `.`, `_`, `-`), 1 to 249 of them, and not starting with `.`
    /// (`.` and `..` are not directories of their own, and readers and tools skip hidden names).
    public static func topicNameProblem(_ topic: String) -> String? {
        guard (1...249).contains(topic.utf8.count) else { return "'\(topic)' is not 1 to 249 characters long" }
        if let invalid = topic.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0))) }) {
            return "'\(topic)' has '\(invalid)'; Kafka topics use letters, digits, '.', '_' and '-'"
        }
        guard !topic.hasPrefix(".") else { return "'\(topic)' starts with '.', which the archive layout cannot hold (hidden, or '.'/'..')" }
        return nil
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

    /// Microseconds in an hour, the span of an `hour=` directory.
    public static let hourMicroseconds: Int64 = 3_600_000_000

    /// The start of the UTC hour holding `time` (microseconds since the Unix epoch).
    public static func hourStart(of time: Int64) -> Int64 {
        time.saturatingSubtract(((time % hourMicroseconds) + hourMicroseconds) % hourMicroseconds)
    }

    /// How many hours after its own an envelope's directory may be: a segment lies in the hour
    /// of its first envelope, its window never crosses the hour (the segment interval divides an
    /// hour), and it takes envelopes from the hour before its own at the earliest; one later
    /// still starts a segment of its own. So an envelope of hour H is in `hour=H` or `hour=H+1`,
    /// and a reader of a time range lists those directories only.
    public static let lateHours: Int64 = 1

    /// The `dt=`/`hour=` directory, relative to the topic, of the hour starting at `hourStart`.
    public static func hourDirectory(hourStart: Int64) -> String {
        let stamp = RFC3339.format(microseconds: hourStart)
        return "dt=\(stamp.prefix(10))/hour=\(stamp.dropFirst(11).prefix(2))"
    }

    /// Where files of `topic` are written before they are renamed into place.
    public func stagingDirectory(_ topic: String) -> String { "\(topicDirectory(topic))/.staging" }

    /// Where the per-partition head files of `topic` are (``PartitionHeadFile``).
    public func headDirectory(_ topic: String) -> String { "\(topicDirectory(topic))/.heads" }

    /// Where the per-partition writer locks of `topic` are.
    public func lockDirectory(_ topic: String) -> String { "\(topicDirectory(topic))/.locks" }
}
