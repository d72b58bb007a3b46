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
    /// The earliest event time the segment takes: the start of the hour before its own, so an
    /// envelope lies in its own hour's directory or the next one (``ArchiveLayout/lateHours``).
    private(set) var earliestEventTime: Int64?
    private(set) var exchangeEnds: [Int64] = []
    private(set) var firstKafkaTimestamp: Int64?
    var gaps: [SegmentManifest.OffsetGap] = []
    /// The index entries so far, and the number of each one's member (its offset and length
    /// are known once the member ends).
    private var indexEntries: [SegmentIndex.Entry] = []
    private var indexMembers: [Int] = []
    /// The Merkle tree over the envelope lines so far.
    private var merkleTree = MerkleTree.Builder()

    /// Uncompressed bytes of envelope lines after which a gzip member of the segment ends:
    /// an envelope of 1 MiB or more has its own, smaller ones share.
    static let memberBytes = 1024 * 1024

    init(name: SegmentFileName, stagingDirectory: String, compressionLevel: Int32, now: ContinuousClock.Instant) throws(ArchiveError) {
        self.name = name
        self.openedAt = now
        self.stagingDirectory = stagingDirectory
        self.compressionLevel = compressionLevel
        lines = try SegmentFileWriter(path: "\(stagingDirectory)/\(name.fileName(.segment)).tmp", level: compressionLevel, memberBytes: Self.memberBytes)
        lastOffset = name.startOffset - 1
    }

    /// Whether it holds anything worth a segment: envelopes or dead letters.
    var hasContent: Bool { lines.lineCount > 0 || (deadLetters?.lineCount ?? 0) > 0 }

    /// Whether an envelope at `time` belongs in another segment: at or past the window's end, or
    /// earlier than the hour before the segment's.
    func excludes(eventTime time: Int64) -> Bool {
        guard hasContent, let windowEnd, let earliestEventTime else { return false }
        return time >= windowEnd || time < earliestEventTime
    }

    /// Adds an envelope line and its index entry.
    mutating func append(_ envelope: AuditEnvelope, event: AuditEnvelope.ArchiveEvent, windowInterval: Int64) throws(ArchiveError) {
        let line = StructuredCodec.encode(envelope)
        let member = try lines.append(line: line)
        let leaf = line.withUnsafeReadableBytes(MerkleTree.leafHash)
        merkleTree.append(leaf)
        indexEntries.append(SegmentIndex.Entry(line: lines.lineCount, member: .init(offset: 0, length: 0), envelope: envelope, event: event, leaf: leaf))
        indexMembers.append(member)
        if firstEventTime == nil {
            firstEventTime = envelope.time
            let windowStart = envelope.time - ((envelope.time % windowInterval) + windowInterval) % windowInterval
            // A window never crosses the hour, whatever the interval: the segment stays in its
            // hour's directory.
            let hourStart = ArchiveLayout.hourStart(of: windowStart)
            windowEnd = min(windowStart.saturatingAdd(windowInterval), hourStart.saturatingAdd(ArchiveLayout.hourMicroseconds))
            earliestEventTime = hourStart.saturatingSubtract(ArchiveLayout.hourMicroseconds)
        }
        minEventTime = min(minEventTime ?? envelope.time, envelope.time)
        maxEventTime = max(maxEventTime ?? envelope.time, envelope.time)
        exchangeEnds.append(event.end)
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
        var index: (bytes: Int, sha256: String, lines: Int)
        /// Where the index file is staged.
        var indexPath: String
    }

    /// Ends, fsyncs and closes its files, and writes its index.
    func finish() throws(ArchiveError) -> Finished {
        let finishedLines = try lines.finish()
        var entries = indexEntries
        let members = lines.members
        for position in entries.indices {
            let member = members[indexMembers[position]]
            entries[position].offset = member.offset
            entries[position].length = member.length
        }
        let indexPath = "\(stagingDirectory)/\(name.fileName(.index)).tmp"
        let index = try SegmentFileWriter(path: indexPath, level: compressionLevel)
        do throws(ArchiveError) {
            for line in SegmentIndex(entries: entries).lines() { try index.append(line: line) }
            let finishedIndex = try index.finish()
            return Finished(
                lines: finishedLines, deadLetters: try deadLetters?.finish(),
                index: (finishedIndex.bytes, finishedIndex.sha256, entries.count), indexPath: indexPath
            )
        } catch {
            index.abandon()
            throw error
        }
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
            index: .init(file: name.fileName(.index), bytes: finished.index.bytes, sha256: finished.index.sha256, lines: finished.index.lines),
            merkleRoot: merkleTree.root.hex,
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
        try? ArchiveFile.remove("\(stagingDirectory)/\(name.fileName(.index)).tmp")
    }
}
