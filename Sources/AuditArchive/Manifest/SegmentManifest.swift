import Foundation
import NIOCore

/// What a segment holds and how to check it, written beside the segment as JSON.
///
/// `previousManifestSHA256` is the SHA-256 of the previous manifest file of the same partition,
/// so the manifests of a partition form a hash chain: editing or deleting any segment or
/// manifest but the newest breaks a link that `audit-archive verify` reports. A manifest signed
/// with the consumer's Ed25519 key (``signature``) cannot be rewritten by someone without that key,
/// even with every hash recomputed.
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

    /// An Ed25519 signature over the manifest's encoding without its `signature` member.
    public struct Signature: Codable, Sendable, Equatable {
        /// The algorithm: `ed25519`.
        public var algorithm: String
        /// The signing key's id: the first 16 hex digits of the SHA-256 of its raw public key.
        public var keyID: String
        /// The signature, base64.
        public var value: String

        /// The algorithm written and accepted.
        public static let ed25519 = "ed25519"
    }

    /// The manifest format written by this version: 2, segments of independently decompressible
    /// gzip members with an index (``index``); 1, one gzip member and no index (read still).
    public static let currentFormatVersion = 2

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
    /// The index file (``SegmentIndex``, one line per envelope); `nil` in format 1.
    public var index: FileDigest?
    /// The root (lowercase hex) of the RFC 9162 Merkle tree over the segment's envelope lines in
    /// order (``MerkleTree``; ``count`` leaves); `nil` in manifests written before it.
    public var merkleRoot: String?
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
    /// The writer's signature, when it was given a signing key.
    public var signature: Signature?

    /// The bytes a signature covers: the encoding without ``signature``.
    public func signedBytes() -> ByteBuffer {
        var unsigned = self
        unsigned.signature = nil
        return unsigned.encoded()
    }

    /// This manifest signed with `key`.
    /// - Throws: ``ArchiveError`` (`invalidKey`) when libcrypto fails to sign.
    public func signed(with key: ManifestSigningKey) throws(ArchiveError) -> SegmentManifest {
        var signed = self
        let signature = try key.sign(signedBytes())
        signed.signature = Signature(algorithm: Signature.ed25519, keyID: key.keyID, value: Data(signature).base64EncodedString())
        return signed
    }

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
        if let problem = manifest.implausibility {
            throw ArchiveError(.invalidManifest, "\(path): \(problem)")
        }
        return manifest
    }

    /// Offsets and counts past these are not something a writer produces; they are refused so
    /// that arithmetic on them cannot overflow.
    static let maxOffset: Int64 = 1 << 62
    /// More uncompressed bytes than one segment could hold (a pebibyte): a planted number.
    static let maxUncompressedBytes = 1 << 50

    /// Why the numbers cannot describe a real segment, if they cannot.
    var implausibility: String? {
        guard partition >= 0 else { return "partition \(partition) is negative" }
        guard (0...Self.maxOffset).contains(firstOffset), (firstOffset...Self.maxOffset).contains(lastOffset) else {
            return "offsets \(firstOffset)-\(lastOffset) are not a range of offsets"
        }
        // A carried chunk set may have started in an earlier segment.
        guard (0...(lastOffset + 1)).contains(resumeOffset) else {
            return "resume offset \(resumeOffset) is past \(lastOffset + 1)"
        }
        guard count >= 0, Int64(count) <= lastOffset - firstOffset + 1 else {
            return "count \(count) does not fit offsets \(firstOffset)-\(lastOffset)"
        }
        guard (0...Self.maxUncompressedBytes).contains(uncompressedBytes) else {
            return "uncompressed size \(uncompressedBytes) is not a segment's"
        }
        for file in [segment] + (deadLetters.map { [$0] } ?? []) + (index.map { [$0] } ?? []) {
            guard file.bytes >= 0, file.lines >= 0, !file.file.contains("/"), file.sha256.utf8.count == 64 else {
                return "file entry \(file.file) has impossible size, lines, name or digest"
            }
        }
        if let merkleRoot, merkleRoot.utf8.count != 64 || !merkleRoot.allSatisfy(\.isHexDigit) {
            return "Merkle root '\(merkleRoot.prefix(80))' is not 64 hexadecimal digits"
        }
        for gap in gaps where !(gap.from <= gap.to && gap.from >= firstOffset && gap.to <= lastOffset) {
            return "gap \(gap.from)-\(gap.to) is outside \(firstOffset)-\(lastOffset)"
        }
        for set in carriedOver where set.offsets.isEmpty || set.offsets.contains(where: { !(0...lastOffset).contains($0) }) {
            return "carried-over chunks of \(set.id) lie past offset \(lastOffset)"
        }
        return nil
    }
}
