@testable import AuditArchive
import Foundation
import NIOCore
import Testing

/// `verify --since`: verifying only what was archived after a recorded point.
@Suite("Incremental verification")
struct IncrementalVerifyTests {
    /// Archives offsets `range` of partition 0 in segments of two envelopes.
    static func archive(_ range: Range<Int>, into fixture: ArchiveFixture) throws -> [ClosedSegment] {
        let archiver = try fixture.archiver(fixture.configuration(maxRecords: 2))
        var closed: [ClosedSegment] = []
        for offset in range {
            closed += try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(ArchiveFixture.envelope(index: offset))[0]))
        }
        return closed + (try archiver.close())
    }

    static func since(_ report: VerificationReport, root: String) -> ArchiveVerifier.Options {
        var options = ArchiveVerifier.Options()
        options.since = VerifiedPoint(root: root, partitions: report.point, verifiedAt: "2026-12-04T00:00:00Z")
        return options
    }

    @Test("after a point, only the newer segments are read; the first links to the point; the point moves to the newest manifest")
    func extendsThePoint() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        _ = try Self.archive(0..<6, into: fixture)
        let first = try ArchiveVerifier.verify(root: fixture.root)
        #expect(first.passed && first.segments == 3 && first.point["audit.test[0]"]?.lastOffset == 5)
        let newer = try Self.archive(6..<10, into: fixture)
        let second = try ArchiveVerifier.verify(root: fixture.root, options: Self.since(first, root: fixture.root))
        #expect(second.passed, "\(second.problems)")
        #expect(second.segments == 2 && second.segmentsBeforePoint == 3 && second.envelopes == 4)
        #expect(second.point["audit.test[0]"] == VerifiedPoint.Partition(
            firstOffset: 8, lastOffset: 9, manifest: String(newer[1].manifestPath.dropFirst(fixture.root.count + 1)), manifestSHA256: newer[1].manifestSHA256
        ))
        // Nothing new: nothing read, the point stays.
        let third = try ArchiveVerifier.verify(root: fixture.root, options: Self.since(second, root: fixture.root))
        #expect(third.passed && third.segments == 0 && third.point == second.point)
    }

    @Test("the point's manifest rewritten or removed, or the next segment linked elsewhere, is a problem", arguments: ["rewritten", "removed", "relinked"])
    func brokenPoint(_ change: String) throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let older = try Self.archive(0..<6, into: fixture)
        let first = try ArchiveVerifier.verify(root: fixture.root)
        let newer = try Self.archive(6..<8, into: fixture)
        let point = older[2].manifestPath
        switch change {
        case "rewritten":
            try (String(contentsOfFile: point, encoding: .utf8) + " ").write(toFile: point, atomically: false, encoding: .utf8)
        case "removed":
            for suffix in [".manifest.json", ".jsonl.gz", ".index.jsonl.gz"] {
                try FileManager.default.removeItem(atPath: point.replacingOccurrences(of: ".manifest.json", with: suffix))
            }
        default:
            var manifest = newer[0].manifest
            manifest.previousManifestSHA256 = String(repeating: "0", count: 64)
            try Data(manifest.encoded().readableBytesView).write(to: URL(fileURLWithPath: newer[0].manifestPath))
        }
        let report = try ArchiveVerifier.verify(root: fixture.root, options: Self.since(first, root: fixture.root))
        let expected = ["rewritten": "differs from the manifest verified last", "removed": "no longer in the archive", "relinked": "recorded by --since"][change] ?? ""
        #expect(!report.passed && report.problems.contains { $0.message.contains(expected) }, "\(report.problems)")
    }

    @Test("a point file is read back as written; another root's, a garbled one or one with impossible offsets is an error, and a missing one means no point yet")
    func pointFile() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        try FileManager.default.createDirectory(atPath: fixture.root, withIntermediateDirectories: true)
        let path = "\(fixture.root)/point.json"
        #expect(try VerifiedPoint.read(path, root: "/archive") == nil)
        let point = VerifiedPoint(root: "/archive", partitions: ["t[0]": .init(firstOffset: 10, lastOffset: 19, manifest: "t/dt=x/hour=y/m", manifestSHA256: "ab")], verifiedAt: "2026-12-04T00:00:00Z")
        try point.write(to: path)
        #expect(try VerifiedPoint.read(path, root: "/archive") == point)
        #expect { _ = try VerifiedPoint.read(path, root: "/other") } throws: { ($0 as? ArchiveError)?.code == .invalidVerifiedPoint }
        for text in ["not json", #"{"formatVersion":1,"root":"/archive","partitions":{"t[0]":{"firstOffset":5,"lastOffset":-3,"manifest":"m","manifestSHA256":"ab"}},"verifiedAt":"x"}"#] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect { _ = try VerifiedPoint.read(path, root: "/archive") } throws: { ($0 as? ArchiveError)?.code == .invalidVerifiedPoint }
        }
    }
}
