import AuditEnvelope
import Foundation
import NIOCore

/// What a segment's index file (`<name>.index.jsonl.gz`) says: for each envelope line, in line
/// order, its ids, producer and sequence, route, method, status, outcome and time, and the gzip
/// member of the segment that holds it (offset and length in the segment file). A reader that
/// knows what it wants reads the index and then only those members, each a byte range that
/// decompresses on its own.
///
/// The index's SHA-256 and size are in the segment's signed manifest, and `verify` checks every
/// entry against the line it names, so an index cannot point a reader elsewhere unnoticed.
public struct SegmentIndex: Sendable, Equatable {
    /// One gzip member of a segment file.
    public struct Member: Sendable, Hashable, Comparable {
        /// Its first byte in the file.
        public var offset: Int
        /// Its bytes.
        public var length: Int

        /// The byte range it occupies.
        public var range: Range<Int> { offset..<(offset + length) }

        public static func < (lhs: Member, rhs: Member) -> Bool { (lhs.offset, lhs.length) < (rhs.offset, rhs.length) }
    }

    /// One envelope line of the segment.
    public struct Entry: Codable, Sendable, Equatable {
        /// Its line number in the segment, from 1.
        public var line: Int
        /// Its member's offset in the segment file.
        public var offset: Int
        /// Its member's length.
        public var length: Int
        /// The event id (the exchange id of an exchange).
        public var id: String
        /// The event time (RFC 3339).
        public var time: String
        /// `exchange`, `dropNotice` or `mark`.
        public var kind: String
        /// The request id (exchanges).
        public var requestId: String?
        /// The route pattern (exchanges).
        public var route: String?
        /// The request method (exchanges).
        public var method: String?
        /// The status, `nil` when no response was produced (exchanges).
        public var status: Int?
        /// The outcome (exchanges).
        public var outcome: String?
        /// The producer id.
        public var producer: String?
        /// The exchange's sequence number, the first number a drop notice covers, or the
        /// highest number a mark names.
        public var sequence: Int64?
        /// The last number a drop notice covers.
        public var lastSequence: Int64?
        /// The line's RFC 9162 leaf hash (``MerkleTree/leafHash(_:)``, lowercase hex): with the
        /// other entries' it gives the segment's Merkle tree, so a proof of one line needs the
        /// index and that line only. `nil` in indexes written before it.
        public var leaf: String?

        /// The entry of a line holding `envelope`, whose decoded event is `event`, in `member`;
        /// `leaf` is the line's leaf hash.
        init(line: Int, member: Member, envelope: AuditEnvelope, event: AuditEnvelope.ArchiveEvent, leaf: SHA256Digest) {
            self.line = line
            self.leaf = leaf.hex
            offset = member.offset
            length = member.length
            id = envelope.id
            time = RFC3339.format(microseconds: envelope.time)
            switch event {
            case .exchange(let record):
                kind = Self.exchange
                requestId = record.requestID
                route = record.route
                method = record.method
                status = record.status
                outcome = record.outcome.name
                producer = record.producer
                sequence = record.sequence
            case .dropNotice(let notice):
                kind = Self.dropNotice
                producer = notice.producer
                sequence = notice.firstSequence
                lastSequence = notice.lastSequence
            case .mark(let mark):
                kind = Self.mark
                producer = mark.producer
                sequence = mark.highestSequence
            }
        }

        /// The member it names.
        public var member: Member { Member(offset: offset, length: length) }

        /// ``kind`` of an exchange.
        public static let exchange = "exchange"
        /// ``kind`` of a drop notice.
        public static let dropNotice = "dropNotice"
        /// ``kind`` of a producer's mark.
        public static let mark = "mark"
    }

    /// The entries, in line order.
    public var entries: [Entry]

    /// Creates an index.
    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// The longest entry line read: ids, route and producer are short in any real exchange.
    public static let maxEntryBytes = 1024 * 1024

    /// The largest index file read: a real one holds well under 100 bytes per envelope
    /// compressed, so a segment of a million envelopes has an index of under 100 MiB.
    public static let maxFileBytes = 128 * 1024 * 1024

    /// Reads and parses the index file at `path` in `store`, whole (one request to a bucket).
    /// - Throws: ``ArchiveError``: `oversize` past ``maxFileBytes`` or a bomb's inflation,
    ///   `invalidIndex`, or what reading throws.
    public static func read(in store: any ArchiveStore, path: String) throws(ArchiveError) -> SegmentIndex {
        guard let bytes = try store.read(path, maxBytes: maxFileBytes) else {
            throw ArchiveError(.io, "\(store.location(path)): gone since it was listed")
        }
        return try decode(compressed: bytes, name: store.location(path))
    }

    /// Parses the bytes of an index file (read whole), named `name` in errors.
    /// - Throws: ``ArchiveError`` as ``read(in:path:)``.
    public static func decode(compressed: ByteBuffer, name: String) throws(ArchiveError) -> SegmentIndex {
        var lines: [ByteBuffer] = []
        try SegmentReader.forEachLine(inBytes: compressed, named: name, limits: limits) { line throws(ArchiveError) in lines.append(line) }
        return try decode(lines: lines, path: name)
    }

    /// What an index file may inflate to: lines of at most ``maxEntryBytes``, 256 times its
    /// compressed size at most.
    private static var limits: SegmentReader.Limits {
        var limits = SegmentReader.Limits.unrecordedSize
        limits.maxLineBytes = maxEntryBytes
        return limits
    }

    /// The index file's lines.
    func lines() -> [ByteBuffer] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail.
        return entries.map { ByteBuffer(bytes: try! encoder.encode($0)) }
    }

    /// Parses the index file's lines, checking that they are in line order.
    /// - Throws: ``ArchiveError`` (`invalidIndex`) naming `path` and the first bad line.
    static func decode(lines: [ByteBuffer], path: String) throws(ArchiveError) -> SegmentIndex {
        let decoder = JSONDecoder()
        var entries: [Entry] = []
        entries.reserveCapacity(lines.count)
        for (number, line) in lines.enumerated() {
            let entry: Entry
            do {
                entry = try decoder.decode(Entry.self, from: Data(line.readableBytesView))
            } catch {
                throw ArchiveError(.invalidIndex, "\(path): line \(number + 1) is not an index entry (\(error))")
            }
            guard entry.line == number + 1, entry.offset >= 0, entry.length > 0, entry.offset <= Int.max - entry.length else {
                throw ArchiveError(.invalidIndex, "\(path): line \(number + 1) names line \(entry.line) at bytes \(entry.offset)+\(entry.length), not the next line of a member in the file")
            }
            entries.append(entry)
        }
        return SegmentIndex(entries: entries)
    }

    /// The members, in file order, each once.
    public var members: [Member] {
        var seen = Set<Member>()
        return entries.map(\.member).filter { seen.insert($0).inserted }.sorted()
    }
}
