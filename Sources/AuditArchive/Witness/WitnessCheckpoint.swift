import Foundation
import NIOCore

/// What `audit-consumer` tells the witness topic after a segment becomes durable: enough to
/// prove later that the archive still holds that segment, unchanged. One small JSON record,
/// keyed `<topic>+<partition>`.
public struct WitnessCheckpoint: Codable, Sendable, Equatable {
    /// The CloudEvents-style type written in the `type` member.
    public static let eventType = "dev.auditshipper.archive.checkpoint.v1"
    /// The largest checkpoint record read back.
    public static let maxBytes = 64 * 1024

    /// Always ``eventType``.
    public var type: String
    /// The archived topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The segment's first offset.
    public var firstOffset: Int64
    /// The segment's last offset.
    public var lastOffset: Int64
    /// The manifest's path under the archive root.
    public var manifest: String
    /// Lowercase hex SHA-256 of the manifest file.
    public var manifestSHA256: String
    /// The manifest's signature, when it is signed.
    public var signature: SegmentManifest.Signature?
    /// When the checkpoint was written (RFC 3339).
    public var createdAt: String

    /// The checkpoint of a manifest.
    /// - Parameters:
    ///   - manifestPath: Its path under the archive root.
    public init(manifest: SegmentManifest, sha256: String, manifestPath: String, createdAt: String) {
        type = Self.eventType
        topic = manifest.topic
        partition = manifest.partition
        firstOffset = manifest.firstOffset
        lastOffset = manifest.lastOffset
        self.manifest = manifestPath
        manifestSHA256 = sha256
        signature = manifest.signature
        self.createdAt = createdAt
    }

    /// Whether this checkpoint announced `manifest`, whose file has SHA-256 `sha256`.
    public func announces(_ manifest: SegmentManifest, sha256: String) -> Bool {
        topic == manifest.topic && partition == manifest.partition && firstOffset == manifest.firstOffset
            && lastOffset == manifest.lastOffset && manifestSHA256 == sha256 && signature == manifest.signature
    }

    /// The record key: checkpoints of one partition stay in order on one witness partition.
    public var key: String { "\(topic)+\(partition)" }

    /// The record value: compact JSON with sorted keys.
    public func encoded() -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail.
        return ByteBuffer(bytes: (try? encoder.encode(self)) ?? Data())
    }

    /// Parses a record value.
    /// - Throws: ``ArchiveError`` (`invalidManifest`) when it is not a checkpoint.
    public static func decode(_ value: ByteBuffer) throws(ArchiveError) -> WitnessCheckpoint {
        guard value.readableBytes <= maxBytes else {
            throw ArchiveError(.oversize, "a witness record of \(value.readableBytes) bytes is not a checkpoint")
        }
        let checkpoint: WitnessCheckpoint
        do {
            checkpoint = try JSONDecoder().decode(WitnessCheckpoint.self, from: Data(value.readableBytesView))
        } catch {
            throw ArchiveError(.invalidManifest, "a witness record is not a checkpoint (\(error))")
        }
        guard checkpoint.type == eventType, checkpoint.firstOffset >= 0, checkpoint.lastOffset >= checkpoint.firstOffset - 1,
            checkpoint.lastOffset <= SegmentManifest.maxOffset
        else {
            throw ArchiveError(.invalidManifest, "a witness record has type '\(checkpoint.type)' or impossible offsets")
        }
        return checkpoint
    }
}
