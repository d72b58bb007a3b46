import Foundation
import NIOCore

/// What a segment holds and how to check it, written beside the segment as JSON.
///
/// `previousManifestSHA256` is the SHA-256 of the previous manifest file of the same partition,
/// so the manifests of a partition form a hash chain: editing or deleting any segment or
/// manifest but the newest breaks a link that `audit-archive verify` reports.
public struct SegmentManifest: Codable, Sendable, Equatable {
    /// A file of the segment and its digest.
    public struct FileDigest: Codable, Sendable, Equatable {
        /// The file name (in the manifest's directory).
        public var file: String
        /// Its size in bytes.
        public var bytes: Int
        /// Lowercase hex SHA-256 of the file.
        public var sha256: String
        /// Lines (records) in the file.
        public var lines: Int
    }

    /// A chunked envelope still incomplete when the segment closed: its chunks so far lie in this
    /// segment's offsets, its envelope will be in a later segment. A resumed writer rereads these
    /// offsets for these chunks only.
    public struct CarriedChunkSet: Codable, Sendable, Equatable {
        /// The exchange id (the chunk id header).
        public var id: String
        /// Offsets of its chunks received so far.
        public var offsets: [Int64]

        /// Creates an entry.
        public init(id: String, offsets: [Int64]) {
            self.id = id
            self.offsets = offsets
        }
    }

    /// Offsets that a segment covers but Kafka no longer had (retention, compaction).
    public struct OffsetGap: Codable, Sendable, Equatable {
        /// First missing offset.
        public var from: Int64
        /// Last missing offset.
        public var to: Int64
    }

    /// The manifest format written by this version.
    public static let currentFormatVersion = 1

    /// The manifest format version.
    public var formatVersion: Int
    /// The Kafka topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The first offset covered; the previous segment's `lastOffset` + 1.
    public var firstOffset: Int64
    /// The last offset covered.
    public var lastOffset: Int64
    /// Where a writer resumes after this segment: the offset of the oldest carried chunk, or
    /// `lastOffset` + 1.
    public var resumeOffset: Int64
    /// Envelopes in the segment.
    public var count: Int
    /// The earliest event time in the segment (RFC 3339), if it holds envelopes.
    public var firstEventTime: String?
    /// The latest event time in the segment (RFC 3339), if it holds envelopes.
    public var lastEventTime: String?
    /// The segment file.
    public var segment: FileDigest
    /// Bytes of the segment's lines before compression.
    public var uncompressedBytes: Int
    /// The dead-letter file, when records in these offsets were not valid envelopes.
    public var deadLetters: FileDigest?
    /// Chunk sets carried over to a later segment.
    public var carriedOver: [CarriedChunkSet]
    /// Offsets covered that Kafka did not deliver.
    public var gaps: [OffsetGap]
    /// SHA-256 of the previous manifest file of this partition, `nil` for the first segment.
    public var previousManifestSHA256: String?
    /// The program that wrote it.
    public var writer: String
    /// When it was written (RFC 3339).
    public var createdAt: String

    /// The manifest as written to disk: pretty JSON with sorted keys and a final newline.
    public func encoded() -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail.
        var buffer = ByteBuffer(bytes: try! encoder.encode(self))
        buffer.writeStaticString("\n")
        return buffer
    }

    /// Parses a manifest file's bytes.
    /// - Throws: ``ArchiveError`` (`invalidManifest`) naming `path`.
    public static func decode(_ bytes: ByteBuffer, path: String) throws(ArchiveError) -> SegmentManifest {
        let manifest: SegmentManifest
        do {
            manifest = try JSONDecoder().decode(SegmentManifest.self, from: Data(bytes.readableBytesView))
        } catch {
            throw ArchiveError(.invalidManifest, "\(path): not a valid manifest (\(error))")
        }
        guard manifest.formatVersion <= currentFormatVersion else {
            throw ArchiveError(.invalidManifest, "\(path): format version \(manifest.formatVersion) is newer than this program reads (\(currentFormatVersion))")
        }
        return manifest
    }
}
