@testable import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

/// A writer resumes from a partition's newest manifest only after checking it: whoever can write
/// to the archive can plant a "next" manifest with a correct link and a `lastOffset` far ahead.
@Suite("Trusting a partition's head")
struct HeadTrustTests {
    /// Plants, after the newest of `closed`, a manifest covering offsets up to 2^62, linked to it,
    /// signed with `key` when given, and removes the head file so that the writer finds it by listing.
    static func plantForgedHead(_ fixture: ArchiveFixture, after closed: [ClosedSegment], signedWith key: ManifestSigningKey?) throws -> String {
        let newest = try #require(closed.last)
        var forged = newest.manifest
        forged.firstOffset = newest.manifest.lastOffset + 1
        forged.lastOffset = 1 << 62
        forged.resumeOffset = forged.lastOffset + 1
        forged.count = 0
        forged.previousManifestSHA256 = newest.manifestSHA256
        forged.signature = nil
        if let key { forged = try forged.signed(with: key) }
        let name = SegmentFileName(topic: fixture.topic, partition: 0, startOffset: forged.firstOffset)
        let path = URL(fileURLWithPath: newest.manifestPath).deletingLastPathComponent().appendingPathComponent(name.fileName(.manifest)).path
        try Data(forged.encoded().readableBytesView).write(to: URL(fileURLWithPath: path))
        try Self.removeHeadFile(fixture)
        return path
    }

    static func removeHeadFile(_ fixture: ArchiveFixture) throws {
        try FileManager.default.removeItem(atPath: "\(ArchiveLayout(root: fixture.root).headDirectory(fixture.topic))/\(fixture.topic)+0.json")
    }

    static func configuration(_ fixture: ArchiveFixture, key: ManifestSigningKey?, previous: [ManifestPublicKey] = [], adopt: Bool = false) -> ArchiveConfiguration {
        var configuration = fixture.configuration(maxRecords: 2)
        configuration.signingKey = key
        configuration.previousPublicKeys = previous
        configuration.adoptsUnsignedHead = adopt
        return configuration
    }

    static func expectUntrusted(_ fixture: ArchiveFixture, _ configuration: ArchiveConfiguration, mentioning text: String) {
        #expect {
            _ = try fixture.archiver(configuration)
        } throws: { error in
            guard let error = error as? ArchiveError else { return false }
            return error.code == .untrustedHead && error.reason.contains(text)
        }
    }

    @Test("a forged head, unsigned or signed by another key, is refused by a writer with a key; its own and its earlier keys' heads are taken")
    func forgedHeads() throws {
        let key = try ManifestSigningKey.generate()
        let (fixture, closed) = try SigningTests.archive(signedWith: key)
        defer { fixture.remove() }
        let honest = try fixture.archiver(Self.configuration(fixture, key: key))
        #expect(honest.startOffset == closed.last.map { $0.manifest.lastOffset + 1 })
        _ = try honest.close()

        let forged = try Self.plantForgedHead(fixture, after: closed, signedWith: nil)
        Self.expectUntrusted(fixture, Self.configuration(fixture, key: key), mentioning: "not signed")
        try FileManager.default.removeItem(atPath: forged)
        _ = try Self.plantForgedHead(fixture, after: closed, signedWith: try ManifestSigningKey.generate())
        Self.expectUntrusted(fixture, Self.configuration(fixture, key: key), mentioning: "not among the public keys")
        // Nothing was written or skipped: after the forgery is removed the writer resumes where it was.
        try FileManager.default.removeItem(atPath: forged)
        let rotated = try ManifestSigningKey.generate()
        Self.expectUntrusted(fixture, Self.configuration(fixture, key: rotated), mentioning: key.keyID)
        let resumed = try fixture.archiver(Self.configuration(fixture, key: rotated, previous: [key.publicKey]))
        #expect(resumed.startOffset == closed.last.map { $0.manifest.lastOffset + 1 })
        _ = try resumed.close()
    }

    @Test("an unsigned archive: a writer given a key refuses its head unless told to adopt it; without a key the head is taken")
    func unsignedArchive() throws {
        let (fixture, closed) = try SigningTests.archive(signedWith: nil)
        defer { fixture.remove() }
        Self.expectUntrusted(fixture, Self.configuration(fixture, key: try ManifestSigningKey.generate()), mentioning: "not signed")
        let adopted = try fixture.archiver(Self.configuration(fixture, key: try ManifestSigningKey.generate(), adopt: true))
        #expect(adopted.startOffset == closed.last.map { $0.manifest.lastOffset + 1 })
        _ = try adopted.close()
        let keyless = try fixture.archiver(Self.configuration(fixture, key: nil))
        #expect(keyless.startOffset == closed.last.map { $0.manifest.lastOffset + 1 })
        _ = try keyless.close()
    }

    @Test("a head whose file name disagrees with its content is refused, key or not")
    func misnamedHead() throws {
        let (fixture, closed) = try SigningTests.archive(signedWith: nil)
        defer { fixture.remove() }
        let newest = try #require(closed.last)
        let misnamed = SegmentFileName(topic: fixture.topic, partition: 0, startOffset: 99)
        let path = URL(fileURLWithPath: newest.manifestPath).deletingLastPathComponent().appendingPathComponent(misnamed.fileName(.manifest)).path
        try FileManager.default.copyItem(atPath: newest.manifestPath, toPath: path)
        try Self.removeHeadFile(fixture)
        Self.expectUntrusted(fixture, Self.configuration(fixture, key: nil), mentioning: "named for offset 99")
    }
}
