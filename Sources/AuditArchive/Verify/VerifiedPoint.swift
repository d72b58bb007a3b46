import Foundation
import NIOCore

/// How far `verify --since FILE` has verified an archive: per partition, the newest manifest
/// verified (its offsets and SHA-256). The next run verifies only the segments after it, checks
/// that the first of them links to that manifest (and that it is still there, unchanged), and
/// records the new point, so a nightly run reads what was archived since the last one.
///
/// The file is the verifier's own record, kept where the verifier keeps it; it proves nothing to
/// anyone else. History before the point is not read again: a full `verify` (or `--witness`)
/// covers edits there.
public struct VerifiedPoint: Codable, Sendable, Equatable {
    /// The newest verified manifest of one partition.
    public struct Partition: Codable, Sendable, Equatable {
        /// Its segment's first offset.
        public var firstOffset: Int64
        /// Its segment's last offset.
        public var lastOffset: Int64
        /// Its path relative to the root.
        public var manifest: String
        /// Lowercase hex SHA-256 of the manifest file.
        public var manifestSHA256: String

        /// Creates a partition's point.
        public init(firstOffset: Int64, lastOffset: Int64, manifest: String, manifestSHA256: String) {
            self.firstOffset = firstOffset
            self.lastOffset = lastOffset
            self.manifest = manifest
            self.manifestSHA256 = manifestSHA256
        }
    }

    /// The format of the file.
    public static let currentFormatVersion = 1
    /// The largest file read: a point of a hundred thousand partitions is about 20 MiB.
    public static let maxBytes = 64 * 1024 * 1024

    /// The file's format version.
    public var formatVersion = Self.currentFormatVersion
    /// The archive root it was recorded for.
    public var root: String
    /// Per partition (`topic[partition]`).
    public var partitions: [String: Partition]
    /// When it was recorded (RFC 3339).
    public var verifiedAt: String

    /// Creates a point.
    public init(root: String, partitions: [String: Partition], verifiedAt: String) {
        self.root = root
        self.partitions = partitions
        self.verifiedAt = verifiedAt
    }

    /// Reads the point at `path`; `nil` when there is no file yet (the first run verifies all).
    /// - Throws: ``ArchiveError`` when the file cannot be read or parsed, or was recorded for
    ///   another root.
    public static func read(_ path: String, root: String) throws(ArchiveError) -> VerifiedPoint? {
        guard ArchiveFile.kind(path) != .missing else { return nil }
        let bytes = try ArchiveFile.read(path, maxBytes: maxBytes)
        let point: VerifiedPoint
        do {
            point = try JSONDecoder().decode(VerifiedPoint.self, from: Data(bytes.readableBytesView))
        } catch {
            throw ArchiveError(.invalidVerifiedPoint, "\(path): not a verified point written by audit-archive verify --since (\(error))")
        }
        guard point.formatVersion <= currentFormatVersion else {
            throw ArchiveError(.invalidVerifiedPoint, "\(path): format version \(point.formatVersion) is newer than this program reads")
        }
        guard point.root == root else {
            throw ArchiveError(.invalidVerifiedPoint, "\(path) records how far \(point.root) was verified, not \(root)")
        }
        for (partition, entry) in point.partitions where !(0...SegmentManifest.maxOffset).contains(entry.firstOffset) || entry.lastOffset < entry.firstOffset || entry.lastOffset > SegmentManifest.maxOffset {
            throw ArchiveError(.invalidVerifiedPoint, "\(path): \(partition) has offsets \(entry.firstOffset)-\(entry.lastOffset), not a segment's")
        }
        return point
    }

    /// Writes the point to `path`: a new file renamed over the old one, so a crash leaves either.
    public func write(to path: String) throws(ArchiveError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail.
        var bytes = ByteBuffer(bytes: try! encoder.encode(self))
        bytes.writeStaticString("\n")
        let staged = "\(path).tmp"
        try ArchiveFile.writeDurably(bytes, to: staged)
        try ArchiveFile.rename(staged, to: path)
    }
}
