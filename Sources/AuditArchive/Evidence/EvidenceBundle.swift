import Foundation

/// One archived envelope with what proves it, and nothing of any other exchange: the envelope's
/// line as archived, its RFC 9162 audit path to the Merkle root of its segment, and that segment's
/// signed manifest, which records the root. Whoever holds the consumer's public key checks it
/// offline (`audit-archive check-proof`, or the steps in README "Evidence bundles" with any
/// SHA-256 and Ed25519 implementation). The format is `schemas/evidence-bundle-v1.schema.json`.
public struct EvidenceBundle: Codable, Sendable, Equatable {
    /// The signed manifest of the envelope's segment.
    public struct Manifest: Codable, Sendable, Equatable {
        /// Where it is under the archive root (informative).
        public var path: String
        /// The manifest file's bytes as archived (what a witness checkpoint's SHA-256 covers).
        public var file: Data
        /// The bytes its signature covers: the manifest without its `signature` member, a JSON
        /// document of its own.
        public var signed: Data
        /// The signature over ``signed``.
        public var signature: SegmentManifest.Signature
    }

    /// The checkpoint `audit-consumer` published on its witness topic when the segment became
    /// durable: a record outside the archive saying this manifest existed then.
    public struct Witness: Codable, Sendable, Equatable {
        /// The witness topic it was read from.
        public var topic: String
        /// The checkpoint as read.
        public var checkpoint: WitnessCheckpoint
    }

    /// The `type` of a bundle of this format.
    public static let bundleType = "dev.auditshipper.evidence.v1"
    /// The largest bundle read: a 1 MiB body's envelope is under 3 MiB, base64 included.
    public static let maxBytes = 64 * 1024 * 1024

    /// Always ``bundleType``.
    public var type: String
    /// The envelope line as archived (without its newline): a CloudEvents 1.0 JSON event.
    public var line: Data
    /// Its leaf index in the segment's tree: its line number minus one.
    public var leafIndex: Int
    /// Leaves in the tree: the segment's envelope lines (the manifest's `count`).
    public var treeSize: Int
    /// The audit path, lowercase hex SHA-256 hashes from the leaf's sibling up (RFC 9162 2.1.3).
    public var auditPath: [String]
    /// The segment's manifest, signed.
    public var manifest: Manifest
    /// The witness checkpoint, when the bundle was made with one.
    public var witness: Witness?
    /// What capture redacted in the exchange, as its record lists it (JSON pointers into the
    /// request and response, header names): those values are not in the line and cannot be
    /// recovered from the bundle.
    public var redactions: [String]
    /// When the bundle was made (RFC 3339).
    public var createdAt: String
    /// The program that made it.
    public var createdBy: String

    /// The bundle as written: pretty JSON with sorted keys and a final newline.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail.
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }

    /// Reads and parses the bundle file at `path` (a regular file, not a link).
    /// - Throws: ``ArchiveError``: what reading throws (`oversize` past ``maxBytes``), or as
    ///   ``decode(_:name:)``.
    public static func read(fromFile path: String) throws(ArchiveError) -> EvidenceBundle {
        let bytes = try ArchiveFile.read(path, maxBytes: maxBytes)
        return try decode(Data(bytes.readableBytesView), name: path)
    }

    /// Parses a bundle file's bytes.
    /// - Throws: ``ArchiveError`` (`invalidEvidence`) naming `name`.
    public static func decode(_ bytes: Data, name: String) throws(ArchiveError) -> EvidenceBundle {
        guard bytes.count <= maxBytes else {
            throw ArchiveError(.oversize, "\(name): \(bytes.count) bytes is larger than any evidence bundle (\(maxBytes))")
        }
        let bundle: EvidenceBundle
        do {
            bundle = try JSONDecoder().decode(EvidenceBundle.self, from: bytes)
        } catch {
            throw ArchiveError(.invalidEvidence, "\(name): not an evidence bundle (\(error))")
        }
        guard bundle.type == bundleType else {
            throw ArchiveError(.invalidEvidence, "\(name): type '\(bundle.type.prefix(80))' is not \(bundleType)")
        }
        return bundle
    }
}
