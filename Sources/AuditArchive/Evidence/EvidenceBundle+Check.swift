import AuditEnvelope
import Foundation
import NIOCore

extension EvidenceBundle {
    /// What a bundle that checks out proves.
    public struct Proven: Sendable {
        /// The envelope its line holds.
        public var envelope: AuditEnvelope
        /// Its exchange record; `nil` for a drop notice.
        public var record: ExchangeRecord?
        /// The manifest that records the root the line is under.
        public var manifest: SegmentManifest
        /// The line's number in its segment, from 1.
        public var lineNumber: Int
        /// The id of the key whose signature holds.
        public var keyID: String
        /// When the witness checkpoint was written, when the bundle holds one.
        public var witnessedAt: String?
    }

    /// Checks the bundle with nothing but `keys`: the manifest's Ed25519 signature, the line's
    /// audit path to the signed Merkle root (RFC 9162 2.1.3.2), the manifest file against the
    /// signed bytes, the redactions listed against the line's record, and the witness
    /// checkpoint against the manifest file.
    /// - Throws: ``ArchiveError`` (`invalidEvidence`) with the first reason it does not hold.
    public func check(keys: [ManifestPublicKey]) throws(ArchiveError) -> Proven {
        func fail(_ reason: String) -> ArchiveError { ArchiveError(.invalidEvidence, reason) }
        let signed = ByteBuffer(bytes: manifest.signed)
        let signature = manifest.signature
        guard signature.algorithm == SegmentManifest.Signature.ed25519 else {
            throw fail("the manifest is signed with '\(signature.algorithm.prefix(40))', not ed25519")
        }
        guard let key = keys.first(where: { $0.keyID == signature.keyID }) else {
            throw fail("the manifest is signed by key \(signature.keyID.prefix(40)), not by the key given (\(keys.map(\.keyID).joined(separator: ", ")))")
        }
        guard let value = Data(base64Encoded: signature.value), key.isValidSignature([UInt8](value), of: signed) else {
            throw fail("the manifest's signature does not verify with key \(key.keyID): the signed manifest was changed")
        }
        let signedManifest: SegmentManifest
        do throws(ArchiveError) {
            signedManifest = try SegmentManifest.decode(signed, path: "the signed manifest")
        } catch {
            throw fail(error.reason)
        }
        guard signedManifest.signature == nil else { throw fail("the signed manifest holds a signature member: it is not the bytes a consumer signs") }
        guard let rootHex = signedManifest.merkleRoot, let root = SHA256Digest(hex: rootHex) else {
            throw fail("the signed manifest records no Merkle root")
        }
        guard treeSize == signedManifest.count else {
            throw fail("the tree size \(treeSize) is not the \(signedManifest.count) envelopes the signed manifest records")
        }
        var path: [SHA256Digest] = []
        for hash in auditPath {
            guard let digest = SHA256Digest(hex: hash) else { throw fail("audit path entry '\(hash.prefix(80))' is not a SHA-256") }
            path.append(digest)
        }
        let leaf = line.withUnsafeBytes(MerkleTree.leafHash)
        guard MerkleTree.verifyInclusion(leafHash: leaf, index: leafIndex, treeSize: treeSize, path: path, root: root) else {
            throw fail("the line with its audit path does not give the signed Merkle root \(rootHex): the line, its index or the path was changed")
        }
        let fileManifest: SegmentManifest
        do throws(ArchiveError) {
            fileManifest = try SegmentManifest.decode(ByteBuffer(bytes: manifest.file), path: "the manifest file")
        } catch {
            throw fail(error.reason)
        }
        var unsignedFile = fileManifest
        unsignedFile.signature = nil
        guard fileManifest.signature == signature, unsignedFile == signedManifest else {
            throw fail("the manifest file is not the signed manifest with its signature")
        }
        let envelope: AuditEnvelope
        var record: ExchangeRecord?
        do throws(EnvelopeError) {
            envelope = try StructuredCodec.decode(ByteBuffer(bytes: line))
            if envelope.type == AuditEnvelope.eventType { record = try envelope.record() }
        } catch {
            throw fail("the proven line is not an envelope: \(error.reason)")
        }
        guard redactions == (record?.redactions ?? []) else {
            throw fail("the redactions listed (\(redactions.joined(separator: ", "))) are not those the line's record lists")
        }
        if let witness, !witness.checkpoint.announces(fileManifest, sha256: ArchiveDigest.sha256(ByteBuffer(bytes: manifest.file))) {
            throw fail("the witness checkpoint does not announce this manifest file (topic, partition, offsets, SHA-256 and signature)")
        }
        return Proven(
            envelope: envelope, record: record, manifest: fileManifest, lineNumber: leafIndex + 1, keyID: key.keyID,
            witnessedAt: witness?.checkpoint.createdAt
        )
    }
}
