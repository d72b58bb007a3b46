@testable import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

@Suite("Signed manifests")
struct SigningTests {
    /// An archive of four 2-envelope segments of partition 0, signed with `key` when given.
    static func archive(signedWith key: ManifestSigningKey?) throws -> (ArchiveFixture, [ClosedSegment]) {
        let fixture = ArchiveFixture()
        var configuration = fixture.configuration(maxRecords: 2)
        configuration.signingKey = key
        let archiver = try fixture.archiver(configuration)
        var closed: [ClosedSegment] = []
        for offset in 0..<8 {
            closed += try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(ArchiveFixture.envelope(index: offset))[0]))
        }
        return (fixture, closed)
    }

    /// What someone with write access but without the key does: edits an exchange in segment
    /// `index`, re-gzips it, recomputes its size and SHA-256 in the manifest and relinks every
    /// later manifest.
    static func rewriteHistory(_ closed: [ClosedSegment], at index: Int) throws {
        let segmentPath = closed[index].manifestPath.replacingOccurrences(of: ".manifest.json", with: ".jsonl.gz")
        var lines: [ByteBuffer] = []
        try SegmentReader.forEachLine(inFileAt: segmentPath) { lines.append($0) }
        let edited = String(buffer: lines[0]).replacingOccurrences(of: "\"status\":20", with: "\"status\":40")
        #expect(edited != String(buffer: lines[0]))
        lines[0] = ByteBuffer(string: edited)
        let writer = try SegmentFileWriter(path: segmentPath, level: 1, memberBytes: OpenSegment.memberBytes)
        let members = try lines.map { try writer.append(line: $0) }
        let digest = try writer.finish()
        // The index rewritten to match, as a writer would have made it.
        let indexPath = closed[index].manifestPath.replacingOccurrences(of: ".manifest.json", with: ".index.jsonl.gz")
        let entries = try lines.enumerated().map { number, line in
            let envelope = try StructuredCodec.decode(line)
            return SegmentIndex.Entry(line: number + 1, member: writer.members[members[number]], envelope: envelope, event: try envelope.archiveEvent(), leaf: line.withUnsafeReadableBytes(MerkleTree.leafHash))
        }
        let indexWriter = try SegmentFileWriter(path: indexPath, level: 1)
        for line in SegmentIndex(entries: entries).lines() { try indexWriter.append(line: line) }
        let indexDigest = try indexWriter.finish()
        var previousSHA: String?
        for position in index..<closed.count {
            let path = closed[position].manifestPath
            var manifest = try ManifestFile(path: path).manifest
            if position == index {
                manifest.segment.bytes = digest.bytes
                manifest.segment.sha256 = digest.sha256
                manifest.index?.bytes = indexDigest.bytes
                manifest.index?.sha256 = indexDigest.sha256
                manifest.merkleRoot = MerkleTree.root(of: lines.map { $0.withUnsafeReadableBytes(MerkleTree.leafHash) }[...]).hex
            } else {
                manifest.previousManifestSHA256 = previousSHA
            }
            let bytes = manifest.encoded()
            try Data(bytes.readableBytesView).write(to: URL(fileURLWithPath: path))
            previousSHA = ArchiveDigest.sha256(bytes)
        }
    }

    @Test("a key survives PEM both ways and signatures verify only for their bytes and key")
    func keys() throws {
        let key = try ManifestSigningKey.generate()
        let reread = try ManifestSigningKey(pem: try key.pem())
        #expect(reread.keyID == key.keyID)
        let publicKey = try ManifestPublicKey(pem: try key.publicKey.pem())
        #expect(publicKey == key.publicKey)
        #expect(key.keyID.count == 16)
        let message = ByteBuffer(string: "manifest bytes")
        let signature = try key.sign(message)
        #expect(publicKey.isValidSignature(signature, of: message))
        #expect(!publicKey.isValidSignature(signature, of: ByteBuffer(string: "manifest bytez")))
        #expect(!(try ManifestSigningKey.generate()).publicKey.isValidSignature(signature, of: message))
        #expect(!publicKey.isValidSignature(Array(signature.dropLast()), of: message))
    }

    @Test("what is not an Ed25519 PEM key is a clear error", arguments: [
        "", "not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ])
    func badPEM(_ text: String) {
        #expect { _ = try ManifestSigningKey(pem: text) } throws: { ($0 as? ArchiveError)?.code == .invalidKey }
        #expect { _ = try ManifestPublicKey(pem: text) } throws: { ($0 as? ArchiveError)?.code == .invalidKey }
    }

    @Test("a public key is not accepted as a private key")
    func publicAsPrivate() throws {
        let pem = try ManifestSigningKey.generate().publicKey.pem()
        #expect(throws: ArchiveError.self) { _ = try ManifestSigningKey(pem: pem) }
    }

    @Test("signed manifests verify with the key; history rewritten with every hash recomputed fails only with the key")
    func rewrittenHistory() throws {
        let key = try ManifestSigningKey.generate()
        let (fixture, closed) = try Self.archive(signedWith: key)
        defer { fixture.remove() }
        #expect(closed.count == 4)
        #expect(closed.allSatisfy { $0.manifest.signature?.keyID == key.keyID })
        var options = ArchiveVerifier.Options()
        options.publicKeys = [key.publicKey]
        let clean = try ArchiveVerifier.verify(root: fixture.root, options: options)
        #expect(clean.passed, "\(clean.problems)")
        #expect(clean.signedManifests == 4)

        try Self.rewriteHistory(closed, at: 1)
        let withoutKey = try ArchiveVerifier.verify(root: fixture.root)
        #expect(withoutKey.passed, "the rewrite is consistent: hashes and links alone cannot tell")
        #expect(withoutKey.warnings.contains { $0.message.contains("not checked") })
        let withKey = try ArchiveVerifier.verify(root: fixture.root, options: options)
        #expect(!withKey.passed)
        for segment in closed.dropFirst() {
            #expect(withKey.problems.contains { $0.subject == segment.manifestPath && $0.message.contains("signature does not verify") })
        }
        #expect(!withKey.problems.contains { $0.subject == closed[0].manifestPath })
    }

    @Test("keys rotate: manifests signed by either of two given keys verify; an unknown key or a stripped signature fails")
    func rotation() throws {
        let old = try ManifestSigningKey.generate()
        let new = try ManifestSigningKey.generate()
        let (fixture, closed) = try Self.archive(signedWith: old)
        defer { fixture.remove() }
        // Re-sign the newest manifest with the new key, as after a rotation.
        let last = try ManifestFile(path: closed[3].manifestPath).manifest
        try Data(try last.signed(with: new).encoded().readableBytesView).write(to: URL(fileURLWithPath: closed[3].manifestPath))

        var both = ArchiveVerifier.Options()
        both.publicKeys = [old.publicKey, new.publicKey]
        #expect(try ArchiveVerifier.verify(root: fixture.root, options: both).passed)

        var onlyOld = ArchiveVerifier.Options()
        onlyOld.publicKeys = [old.publicKey]
        let report = try ArchiveVerifier.verify(root: fixture.root, options: onlyOld)
        #expect(report.problems.map(\.subject) == [closed[3].manifestPath])
        #expect(report.problems.first?.message.contains(new.keyID) == true)

        var stripped = last
        stripped.signature = nil
        try Data(stripped.encoded().readableBytesView).write(to: URL(fileURLWithPath: closed[3].manifestPath))
        let strippedReport = try ArchiveVerifier.verify(root: fixture.root, options: both)
        #expect(strippedReport.problems.contains { $0.subject == closed[3].manifestPath && $0.message.contains("not signed") })
    }

    @Test("an unsigned archive verifies, and says it is unsigned")
    func unsigned() throws {
        let (fixture, _) = try Self.archive(signedWith: nil)
        defer { fixture.remove() }
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.passed)
        #expect(report.unsignedManifests == 4)
        #expect(report.warnings.contains { $0.message.contains("unsigned") })
    }

    @Test("the witness: deleting the newest segment, or replacing a manifest, is reported against the checkpoints")
    func witness() throws {
        let (fixture, closed) = try Self.archive(signedWith: nil)
        defer { fixture.remove() }
        let checkpoints = closed.map { WitnessCheckpoint(manifest: $0.manifest, sha256: $0.manifestSHA256, manifestPath: $0.manifestPath, createdAt: "2026-11-30T00:00:00Z") }
        var options = ArchiveVerifier.Options()
        options.checkpoints = checkpoints
        let clean = try ArchiveVerifier.verify(root: fixture.root, options: options)
        #expect(clean.passed, "\(clean.problems)")
        #expect(clean.checkpoints == 4)

        var onlyThree = options
        onlyThree.checkpoints = Array(checkpoints.prefix(3))
        let behind = try ArchiveVerifier.verify(root: fixture.root, options: onlyThree)
        #expect(behind.passed)
        #expect(behind.warnings.contains { $0.message.contains("not yet witnessed") })

        try FileManager.default.removeItem(atPath: closed[3].manifestPath)
        try FileManager.default.removeItem(atPath: closed[3].manifestPath.replacingOccurrences(of: ".manifest.json", with: ".jsonl.gz"))
        try FileManager.default.removeItem(atPath: closed[3].manifestPath.replacingOccurrences(of: ".manifest.json", with: ".index.jsonl.gz"))
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed, "deleting the newest segment is invisible to the chain alone")
        let deleted = try ArchiveVerifier.verify(root: fixture.root, options: options)
        #expect(!deleted.passed)
        #expect(deleted.problems.contains { $0.message.contains("no longer holds") })
    }

    @Test("a checkpoint record round-trips, and what is not one is refused")
    func checkpointCodec() throws {
        let (fixture, closed) = try Self.archive(signedWith: try ManifestSigningKey.generate())
        defer { fixture.remove() }
        let checkpoint = WitnessCheckpoint(manifest: closed[0].manifest, sha256: closed[0].manifestSHA256, manifestPath: "t/x.manifest.json", createdAt: "2026-11-30T00:00:00Z")
        #expect(try WitnessCheckpoint.decode(checkpoint.encoded()) == checkpoint)
        #expect(checkpoint.signature == closed[0].manifest.signature)
        for bad in ["", "{}", "[1]", "{\"type\":\"other\"}", String(repeating: "x", count: 70_000)] {
            #expect(throws: ArchiveError.self) { _ = try WitnessCheckpoint.decode(ByteBuffer(string: bad)) }
        }
    }
}
