import AuditArchive
import Foundation
import Testing

@Suite("Archive verification")
struct VerifierTests {
    /// An archive of three 2-envelope segments of partition 0.
    static func archive() throws -> (ArchiveFixture, [ClosedSegment]) {
        let fixture = ArchiveFixture()
        let archiver = try fixture.archiver(fixture.configuration(maxRecords: 2))
        var closed: [ClosedSegment] = []
        for offset in 0..<6 {
            closed += try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(ArchiveFixture.envelope(index: offset))[0]))
        }
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
        return (fixture, closed)
    }

    static func segmentPath(_ segment: ClosedSegment) -> String {
        segment.manifestPath.replacingOccurrences(of: ".manifest.json", with: ".jsonl.gz")
    }

    @Test("a flipped byte in a segment is reported with the segment's name")
    func flippedByte() throws {
        let (fixture, closed) = try Self.archive()
        defer { fixture.remove() }
        let path = Self.segmentPath(closed[1])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(!report.passed)
        #expect(report.problems.contains { $0.subject == path && $0.message.contains("content changed") })
    }

    @Test("a deleted segment is reported as missing, and deleting it with its manifest as a gap and a broken chain")
    func deletedSegment() throws {
        let (fixture, closed) = try Self.archive()
        defer { fixture.remove() }
        try FileManager.default.removeItem(atPath: Self.segmentPath(closed[1]))
        var report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.problems.contains { $0.subject == Self.segmentPath(closed[1]) && $0.message.contains("missing") })

        try FileManager.default.removeItem(atPath: closed[1].manifestPath)
        report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.problems.contains { $0.message.contains("gap: offsets 2-3") })
        #expect(report.problems.contains { $0.subject == closed[2].manifestPath && $0.message.contains("hash chain broken") })
    }

    @Test("an edited manifest breaks the next link")
    func editedManifest() throws {
        let (fixture, closed) = try Self.archive()
        defer { fixture.remove() }
        let path = closed[0].manifestPath
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"writer\" : \"audit-consumer\"", with: "\"writer\" : \"someone else\"")
            .write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try String(contentsOfFile: path, encoding: .utf8) != text)
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.problems.map(\.subject) == [closed[1].manifestPath])
    }

    @Test("a truncated segment is reported as truncated gzip")
    func truncated() throws {
        let (fixture, closed) = try Self.archive()
        defer { fixture.remove() }
        let path = Self.segmentPath(closed[0])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 12).write(to: URL(fileURLWithPath: path))
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.problems.contains { $0.subject == path && $0.message.contains("truncated gzip") })
    }

    @Test("a missing root is a clear error")
    func missingRoot() {
        #expect {
            try ArchiveVerifier.verify(root: "/nonexistent/archive")
        } throws: { error in
            (error as? ArchiveError)?.code == .missingRoot && "\(error)".contains("/nonexistent/archive")
        }
    }
}
