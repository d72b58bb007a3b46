import AuditEnvelope
import NIOCore

/// The segment a ``PartitionArchiver`` is writing: its files in the staging directory and what
/// its manifest will say.
struct OpenSegment {
    let name: SegmentFileName
    let openedAt: ContinuousClock.Instant
    let lines: SegmentFileWriter
    private let stagingDirectory: String
    private let compressionLevel: Int32
    private(set) var deadLetters: SegmentFileWriter?
    var lastOffset: Int64
    private(set) var firstEventTime: Int64?
    private(set) var minEventTime: Int64?
    private(set) var maxEventTime: Int64?
    private(set) var windowEnd: Int64?
    private(set) var exchangeEnds: [Int64] = []
    private(set) var firstKafkaTimestamp: Int64?
    var gaps: [SegmentManifest.OffsetGap] = []

    init(name: SegmentFileName, stagingDirectory: String, compressionLevel: Int32, now: ContinuousClock.Instant) throws(ArchiveError) {
        self.name = name
        self.openedAt = now
        self.stagingDirectory = stagingDirectory
        self.compressionLevel = compressionLevel
        lines = try SegmentFileWriter(path: "\(stagingDirectory)/\(name.fileName(.segment)).tmp", level: compressionLevel)
        lastOffset = name.startOffset - 1
    }

    /// Whether it holds anything worth a segment: envelopes or dead letters.
    var hasContent: Bool { lines.lineCount > 0 || (deadLetters?.lineCount ?? 0) > 0 }

    /// Adds an envelope line.
    mutating func append(_ envelope: AuditEnvelope, exchangeEnd: Int64, windowInterval: Int64) throws(ArchiveError) {
        try lines.append(line: StructuredCodec.encode(envelope))
        if firstEventTime == nil {
            firstEventTime = envelope.time
            let windowStart = envelope.time - ((envelope.time % windowInterval) + windowInterval) % windowInterval
            windowEnd = windowStart + windowInterval
        }
        minEventTime = min(minEventTime ?? envelope.time, envelope.time)
        maxEventTime = max(maxEventTime ?? envelope.time, envelope.time)
        exchangeEnds.append(exchangeEnd)
    }

    /// Notes the Kafka timestamp of a record the segment covers: the first one places a segment
    /// without envelopes in the layout, the same way for every writer that replays it.
    mutating func cover(kafkaTimestamp: Int64?) {
        if firstKafkaTimestamp == nil { firstKafkaTimestamp = kafkaTimestamp }
    }

    /// Adds a dead-letter line.
    mutating func append(_ deadLetter: DeadLetter, kafkaTimestamp: Int64?) throws(ArchiveError) {
        if deadLetters == nil {
            deadLetters = try SegmentFileWriter(path: "\(stagingDirectory)/\(name.fileName(.deadLetters)).tmp", level: compressionLevel)
        }
        try deadLetters?.append(line: deadLetter.encoded())
        if firstKafkaTimestamp == nil { firstKafkaTimestamp = kafkaTimestamp }
    }

    /// The finished files' sizes and digests.
    struct Finished {
        var lines: (bytes: Int, sha256: String)
        var deadLetters: (bytes: Int, sha256: String)?
    }

    /// Ends, fsyncs and closes its files.
    func finish() throws(ArchiveError) -> Finished {
        Finished(lines: try lines.finish(), deadLetters: try deadLetters?.finish())
    }

    /// The manifest of the finished segment (unsigned).
    /// - Parameters:
    ///   - carried: Chunk sets still incomplete: exchange id and the offsets of their chunks.
    func manifest(_ finished: Finished, carried: [String: [Int64]], previousManifestSHA256: String?, writer: String) -> SegmentManifest {
        SegmentManifest(
            formatVersion: SegmentManifest.currentFormatVersion,
            topic: name.topic,
            partition: name.partition,
            firstOffset: name.startOffset,
            lastOffset: lastOffset,
            resumeOffset: min(carried.values.joined().min() ?? .max, lastOffset + 1),
            count: lines.lineCount,
            firstEventTime: minEventTime.map { RFC3339.format(microseconds: $0) },
            lastEventTime: maxEventTime.map { RFC3339.format(microseconds: $0) },
            segment: .init(file: name.fileName(.segment), bytes: finished.lines.bytes, sha256: finished.lines.sha256, lines: lines.lineCount),
            uncompressedBytes: lines.uncompressedBytes,
            deadLetters: finished.deadLetters.map {
                .init(file: name.fileName(.deadLetters), bytes: $0.bytes, sha256: $0.sha256, lines: deadLetters?.lineCount ?? 0)
            },
            carriedOver: carried.map { .init(id: $0.key, offsets: $0.value.sorted()) }.sorted { ($0.offsets.first ?? 0) < ($1.offsets.first ?? 0) },
            gaps: gaps,
            previousManifestSHA256: previousManifestSHA256,
            writer: writer,
            createdAt: RFC3339.format(microseconds: WallClock.microseconds())
        )
    }

    /// Deletes its staged files.
    func abandon() {
        lines.abandon()
        deadLetters?.abandon()
    }
}
