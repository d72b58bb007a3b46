/// The deterministic name of a segment's files: `<topic>+<partition>+<startOffset, 20 digits>`
/// followed by the kind's suffix. A replay of the same offsets produces the same names.
public struct SegmentFileName: Hashable, Sendable, CustomStringConvertible {
    /// What a file of a segment holds.
    public enum Kind: String, Sendable, CaseIterable {
        /// The envelopes, one CloudEvents structured-mode JSON object per line, gzip.
        case segment = ".jsonl.gz"
        /// Records that were not valid envelopes, with the reason and offset, gzip JSON lines.
        case deadLetters = ".deadletter.jsonl.gz"
        /// The index: an entry per envelope naming its gzip member (``SegmentIndex``), gzip JSON
        /// lines.
        case index = ".index.jsonl.gz"
        /// The manifest (JSON).
        case manifest = ".manifest.json"
    }

    /// The Kafka topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The first offset the segment covers.
    public var startOffset: Int64

    /// Creates a name.
    public init(topic: String, partition: Int32, startOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.startOffset = startOffset
    }

    /// Parses a file name; `nil` when it is not one of a segment's files.
    public static func parse(_ fileName: String) -> (name: SegmentFileName, kind: Kind)? {
        // Longer suffixes first: ".deadletter.jsonl.gz" and ".index.jsonl.gz" also end in ".jsonl.gz".
        for kind in [Kind.deadLetters, .index, .manifest, .segment] where fileName.hasSuffix(kind.rawValue) {
            let parts = fileName.dropLast(kind.rawValue.count).split(separator: "+", omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[0].isEmpty, let partition = Int32(parts[1]), let offset = Int64(parts[2]), parts[2].count == 20
            else { return nil }
            return (SegmentFileName(topic: String(parts[0]), partition: partition, startOffset: offset), kind)
        }
        return nil
    }

    /// `<topic>+<partition>+<startOffset>` without a suffix.
    public var base: String {
        let digits = String(startOffset)
        return "\(topic)+\(partition)+\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits)"
    }

    /// The file name of `kind`.
    public func fileName(_ kind: Kind) -> String { base + kind.rawValue }

    public var description: String { base }
}
