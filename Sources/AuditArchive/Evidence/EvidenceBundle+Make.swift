import AuditEnvelope
import Foundation
import NIOCore

extension EvidenceBundle {
    /// The bundle proving `exchange`, read back from `store` by ``ArchiveQuery``: its segment's
    /// manifest is read, the tree's leaves come from the segment's index (or, for an index
    /// written before leaf hashes, from reading the segment), and the proof is checked against
    /// the manifest's root before it is returned.
    /// - Parameters:
    ///   - checkpoints: With a witness, the checkpoints read from it: the one that announced this
    ///     manifest goes into the bundle, and there must be one.
    ///   - witnessTopic: The topic they were read from.
    /// - Throws: ``ArchiveError``: `noEvidence` when the manifest is unsigned or has no Merkle
    ///   root, when the archive disagrees with itself (index, lines and root), or when no
    ///   checkpoint announced the segment; what reading throws.
    public static func make(
        for exchange: ArchivedExchange,
        in store: any ArchiveStore,
        checkpoints: [WitnessCheckpoint]? = nil,
        witnessTopic: String = "",
        createdAt: String,
        createdBy: String
    ) throws(ArchiveError) -> EvidenceBundle {
        let segment = exchange.segment
        let manifestPath = segment.relative(.manifest)
        guard let manifestBytes = try store.read(manifestPath, maxBytes: ManifestFile.maxBytes) else {
            throw ArchiveError(.io, "\(store.location(manifestPath)): gone since it was listed")
        }
        let manifestFile = try ManifestFile(bytes: manifestBytes, path: store.location(manifestPath))
        let manifest = manifestFile.manifest
        guard let signature = manifest.signature else {
            throw ArchiveError(.noEvidence, "\(manifestFile.path) is not signed (the consumer ran without --signing-key): a bundle from it would prove nothing to anyone else")
        }
        guard let recordedRoot = manifest.merkleRoot else {
            throw ArchiveError(.noEvidence, "\(manifestFile.path) records no Merkle root (written before roots were): only the whole segment with its manifest chain shows this exchange")
        }
        let leaves = try Self.leaves(of: segment, manifest: manifest, in: store)
        let leafIndex = exchange.lineNumber - 1
        let leaf = exchange.line.withUnsafeReadableBytes(MerkleTree.leafHash)
        guard leaves.count == manifest.count, MerkleTree.root(of: leaves[...]).hex == recordedRoot else {
            throw ArchiveError(.noEvidence, "\(segment.path(.segment)): its \(leaves.count) leaves do not give the Merkle root its manifest records (run audit-archive verify)")
        }
        guard leaves.indices.contains(leafIndex), leaves[leafIndex] == leaf,
            let path = MerkleTree.inclusionPath(leaf: leafIndex, of: leaves[...]), let root = SHA256Digest(hex: recordedRoot),
            MerkleTree.verifyInclusion(leafHash: leaf, index: leafIndex, treeSize: leaves.count, path: path, root: root)
        else {
            throw ArchiveError(.noEvidence, "\(segment.path(.segment)): line \(exchange.lineNumber) is not the leaf its index names there (run audit-archive verify)")
        }
        var witness: Witness?
        if let checkpoints {
            guard let checkpoint = checkpoints.first(where: { $0.announces(manifest, sha256: manifestFile.sha256) }) else {
                throw ArchiveError(.noEvidence, "no checkpoint on \(witnessTopic) announced \(manifestFile.path) with its SHA-256 \(manifestFile.sha256)")
            }
            witness = Witness(topic: witnessTopic, checkpoint: checkpoint)
        }
        var redactions = exchange.record?.redactions ?? []
        do throws(EnvelopeError) {
            if exchange.record == nil, exchange.envelope.type == AuditEnvelope.eventType { redactions = try exchange.envelope.record().redactions }
        } catch {
            throw ArchiveError(.invalidLine, "\(segment.path(.segment)) line \(exchange.lineNumber): \(error.reason)")
        }
        return EvidenceBundle(
            type: bundleType,
            line: Data(exchange.line.readableBytesView),
            leafIndex: leafIndex,
            treeSize: leaves.count,
            auditPath: path.map(\.hex),
            manifest: Manifest(path: manifestPath, file: Data(manifestBytes.readableBytesView), signed: Data(manifest.signedBytes().readableBytesView), signature: signature),
            witness: witness,
            redactions: redactions,
            createdAt: createdAt,
            createdBy: createdBy
        )
    }

    /// The leaf hashes of `segment`'s lines: its index's when every entry has one, else those of
    /// the lines read from the segment, bounded by its manifest.
    private static func leaves(of segment: ArchiveCatalog.Entry, manifest: SegmentManifest, in store: any ArchiveStore) throws(ArchiveError) -> [SHA256Digest] {
        if segment.kinds.contains(.index) {
            let index = try SegmentIndex.read(in: store, path: segment.relative(.index))
            let leaves = index.entries.compactMap { $0.leaf.flatMap(SHA256Digest.init(hex:)) }
            if leaves.count == index.entries.count { return leaves }
        }
        var leaves: [SHA256Digest] = []
        try SegmentReader.forEachLine(in: store, path: segment.relative(.segment), limits: SegmentReader.Limits(uncompressedBytes: manifest.uncompressedBytes)) { line in
            leaves.append(line.withUnsafeReadableBytes(MerkleTree.leafHash))
        }
        return leaves
    }
}
