@testable import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

/// Evidence bundles: made from an archive for every exchange, checked with the key alone, and
/// refused when any byte of what they prove was changed or the archive cannot back them.
@Suite("Evidence bundles")
struct EvidenceBundleTests {
    /// An archive of 23 envelopes in segments of 7 (7, 7, 7, 2), signed with `key` when given;
    /// bodies of `bodyBytes`.
    static func archive(signedWith key: ManifestSigningKey?, bodyBytes: Int = 64) throws -> (ArchiveFixture, [ClosedSegment]) {
        let fixture = ArchiveFixture()
        var configuration = fixture.configuration(maxRecords: 7)
        configuration.signingKey = key
        let archiver = try fixture.archiver(configuration)
        var closed: [ClosedSegment] = []
        for offset in 0..<23 {
            closed += try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(ArchiveFixture.envelope(index: offset, bodyBytes: bodyBytes), messageMaxBytes: 8 << 20)[0]))
        }
        closed += try archiver.close()
        return (fixture, closed)
    }

    /// The archived exchange with exchange id `id`, read as `prove` reads it (the fixture's
    /// ids are of today, its event times are not: the id's hour cannot narrow the search).
    static func exchange(_ id: String, in root: String) throws -> ArchivedExchange {
        var found: ArchivedExchange?
        try ArchiveQuery.forEach(in: root, filter: ExchangeFilter(), decodeRecords: true, onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
            guard exchange.envelope.id == id else { return .proceed }
            found = exchange
            return .stop
        }
        return try #require(found)
    }

    static func bundle(_ id: String, in root: String) throws -> EvidenceBundle {
        try EvidenceBundle.make(for: exchange(id, in: root), in: DirectoryArchiveStore(root: root), createdAt: "2026-12-04T00:00:00Z", createdBy: "test")
    }

    static func expectFails(_ bundle: EvidenceBundle, _ key: ManifestPublicKey, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: ArchiveError.self, "\(what) still checks out", sourceLocation: sourceLocation) { _ = try bundle.check(keys: [key]) }
    }

    @Test("every exchange of every segment has a bundle that checks out with the key alone, and says where it is; lines in later gzip members too", arguments: [64, 300_000])
    func everyExchange(bodyBytes: Int) throws {
        let key = try ManifestSigningKey.generate()
        let (fixture, closed) = try Self.archive(signedWith: key, bodyBytes: bodyBytes)
        defer { fixture.remove() }
        #expect(closed.count == 4)
        let ids = try fixture.archivedIDs()
        #expect(ids.count == 23)
        let index = try SegmentIndex.read(in: DirectoryArchiveStore(root: "/"), path: closed[0].manifestPath.replacingOccurrences(of: ".manifest.json", with: ".index.jsonl.gz"))
        let members = Set(index.entries.map(\.offset)).count
        #expect(bodyBytes > 1_000 ? members >= 2 : members == 1, "\(members) members in the first segment")
        for (position, id) in ids.enumerated() {
            let bundle = try Self.bundle(id, in: fixture.root)
            let proven = try bundle.check(keys: [key.publicKey])
            #expect(proven.envelope.id == id)
            #expect(proven.lineNumber == position % 7 + 1)
            #expect(bundle.treeSize == (position < 21 ? 7 : 2))
            #expect(proven.record?.requestID == "req-\(position)")
            #expect(proven.keyID == key.keyID)
            let reread = try EvidenceBundle.decode(bundle.encoded(), name: "bundle")
            #expect(reread == bundle)
        }
    }

    @Test("a flipped byte anywhere in the line, the audit path, the signed manifest (its root) or the signature fails the check")
    func flippedBytes() throws {
        let key = try ManifestSigningKey.generate()
        let (fixture, _) = try Self.archive(signedWith: key)
        defer { fixture.remove() }
        let bundle = try Self.bundle(try fixture.archivedIDs()[3], in: fixture.root)
        _ = try bundle.check(keys: [key.publicKey])
        for position in bundle.line.indices {
            var changed = bundle
            changed.line[position] ^= 0x01
            Self.expectFails(changed, key.publicKey, "line byte \(position)")
        }
        #expect(bundle.auditPath.count == 3)
        for (node, hash) in bundle.auditPath.enumerated() {
            for position in 0..<32 {
                var bytes = try #require(SHA256Digest(hex: hash)).bytes
                bytes[position] ^= 0x80
                var changed = bundle
                changed.auditPath[node] = HexEncoding.lowercase(bytes)
                Self.expectFails(changed, key.publicKey, "path hash \(node) byte \(position)")
            }
        }
        for position in bundle.manifest.signed.indices {
            var changed = bundle
            changed.manifest.signed[position] ^= 0x01
            Self.expectFails(changed, key.publicKey, "signed manifest byte \(position)")
        }
        let signature = try #require(Data(base64Encoded: bundle.manifest.signature.value))
        for position in signature.indices {
            var bytes = signature
            bytes[position] ^= 0x01
            var changed = bundle
            changed.manifest.signature.value = bytes.base64EncodedString()
            Self.expectFails(changed, key.publicKey, "signature byte \(position)")
        }
        var moved = bundle
        moved.leafIndex += 1
        Self.expectFails(moved, key.publicKey, "another leaf index")
        var grown = bundle
        grown.treeSize += 1
        Self.expectFails(grown, key.publicKey, "another tree size")
        var unredacted = bundle
        unredacted.redactions = ["request.body/password"]
        Self.expectFails(unredacted, key.publicKey, "redactions the line does not list")
        var otherFile = bundle
        otherFile.manifest.file = Data(String(decoding: bundle.manifest.file, as: UTF8.self).replacingOccurrences(of: "\"count\" : 7", with: "\"count\" : 6").utf8)
        #expect(otherFile.manifest.file != bundle.manifest.file)
        Self.expectFails(otherFile, key.publicKey, "a manifest file that is not the signed one")
        Self.expectFails(bundle, try ManifestSigningKey.generate().publicKey, "another key")
    }

    @Test("a witness checkpoint in the bundle must announce its manifest file")
    func witness() throws {
        let key = try ManifestSigningKey.generate()
        let (fixture, closed) = try Self.archive(signedWith: key)
        defer { fixture.remove() }
        let exchange = try Self.exchange(try fixture.archivedIDs()[8], in: fixture.root)
        let store = DirectoryArchiveStore(root: fixture.root)
        let checkpoints = closed.map { WitnessCheckpoint(manifest: $0.manifest, sha256: $0.manifestSHA256, manifestPath: $0.manifestPath, createdAt: "2026-12-04T00:00:00Z") }
        let bundle = try EvidenceBundle.make(for: exchange, in: store, checkpoints: checkpoints, witnessTopic: "w", createdAt: "now", createdBy: "test")
        #expect(bundle.witness?.checkpoint == checkpoints[1])
        #expect(try bundle.check(keys: [key.publicKey]).witnessedAt == "2026-12-04T00:00:00Z")
        var forged = bundle
        forged.witness?.checkpoint.manifestSHA256 = closed[0].manifestSHA256
        Self.expectFails(forged, key.publicKey, "a checkpoint of another manifest")
        #expect { _ = try EvidenceBundle.make(for: exchange, in: store, checkpoints: [checkpoints[0]], createdAt: "now", createdBy: "test") } throws: {
            ($0 as? ArchiveError)?.code == .noEvidence
        }
    }

    @Test("no bundle from an unsigned segment, from one whose index lies about a leaf; an index without leaf hashes is read through the segment")
    func refusals() throws {
        let (unsigned, _) = try Self.archive(signedWith: nil)
        defer { unsigned.remove() }
        #expect { _ = try Self.bundle(try unsigned.archivedIDs()[0], in: unsigned.root) } throws: {
            ($0 as? ArchiveError)?.code == .noEvidence && ($0 as? ArchiveError)?.reason.contains("not signed") == true
        }

        let key = try ManifestSigningKey.generate()
        let (fixture, closed) = try Self.archive(signedWith: key)
        defer { fixture.remove() }
        let id = try fixture.archivedIDs()[2]
        let indexPath = closed[0].manifestPath.replacingOccurrences(of: ".manifest.json", with: ".index.jsonl.gz")
        let index = try SegmentIndex.read(in: DirectoryArchiveStore(root: "/"), path: indexPath)
        func rewriteIndex(_ entries: [SegmentIndex.Entry]) throws {
            let writer = try SegmentFileWriter(path: indexPath, level: 1)
            for line in SegmentIndex(entries: entries).lines() { try writer.append(line: line) }
            _ = try writer.finish()
        }
        var lying = index.entries
        lying[2].leaf = lying[3].leaf
        try rewriteIndex(lying)
        #expect { _ = try Self.bundle(id, in: fixture.root) } throws: { ($0 as? ArchiveError)?.code == .noEvidence }

        try rewriteIndex(index.entries.map { entry in
            var older = entry
            older.leaf = nil
            return older
        })
        let bundle = try Self.bundle(id, in: fixture.root)
        #expect(try bundle.check(keys: [key.publicKey]).lineNumber == 3)
    }

    @Test("hostile bundle files: not JSON, another type, oversize")
    func hostileFiles() {
        for text in ["", "[]", "{\"type\":\"dev.auditshipper.evidence.v1\"}", "{\"type\":\"x\",\"line\":\"\",\"leafIndex\":0}"] {
            #expect(throws: ArchiveError.self, "\(text)") { _ = try EvidenceBundle.decode(Data(text.utf8), name: "b") }
        }
        #expect { _ = try EvidenceBundle.decode(Data(count: EvidenceBundle.maxBytes + 1), name: "b") } throws: { ($0 as? ArchiveError)?.code == .oversize }
    }
}
