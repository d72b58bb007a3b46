@testable import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing
import TestSupport

/// Segments as sequences of gzip members: how lines are grouped, and that each member reads on
/// its own while the file still reads whole.
@Suite("Segment gzip members")
struct SegmentMembersTests {
    /// Writes lines of `sizes` bytes (each line distinct) and returns the file's path, the
    /// member each line went into, the members and the lines.
    static func write(_ sizes: [Int], in directory: String) throws -> (path: String, memberOf: [Int], members: [SegmentIndex.Member], lines: [ByteBuffer]) {
        let path = "\(directory)/segment-\(UUID().uuidString).jsonl.gz"
        let writer = try SegmentFileWriter(path: path, level: 1, memberBytes: OpenSegment.memberBytes)
        var lines: [ByteBuffer] = []
        var memberOf: [Int] = []
        for (number, size) in sizes.enumerated() {
            let prefix = "{\"line\":\(number),\"pad\":\""
            let line = ByteBuffer(string: prefix + String(repeating: "q", count: max(0, size - prefix.utf8.count - 2)) + "\"}")
            lines.append(line)
            memberOf.append(try writer.append(line: line))
        }
        _ = try writer.finish()
        return (path, memberOf, writer.members, lines)
    }

    /// Checks that the members tile the file, that each reads on its own to exactly its lines,
    /// and that the file reads whole to every line.
    static func expectReadable(_ written: (path: String, memberOf: [Int], members: [SegmentIndex.Member], lines: [ByteBuffer]), sourceLocation: SourceLocation = #_sourceLocation) throws {
        let directory = (written.path as NSString).deletingLastPathComponent
        let name = (written.path as NSString).lastPathComponent
        let store = DirectoryArchiveStore(root: directory)
        var end = 0
        for member in written.members {
            #expect(member.offset == end, "members follow one another", sourceLocation: sourceLocation)
            end = member.range.upperBound
        }
        #expect(end == (written.members.isEmpty ? 0 : ArchiveFile.size(written.path) ?? -1), "members end where the file ends", sourceLocation: sourceLocation)
        for (number, member) in written.members.enumerated() {
            var read: [ByteBuffer] = []
            try SegmentReader.forEachLine(in: store, path: name, range: member.range) { read.append($0) }
            let expected = zip(written.lines, written.memberOf).filter { $0.1 == number }.map(\.0)
            #expect(read == expected, "member \(number) holds its lines, alone", sourceLocation: sourceLocation)
            let uncompressed = expected.reduce(0) { $0 + $1.readableBytes + 1 }
            #expect(expected.count == 1 || uncompressed <= OpenSegment.memberBytes, "a shared member stays within 1 MiB", sourceLocation: sourceLocation)
        }
        var whole: [ByteBuffer] = []
        try SegmentReader.forEachLine(inFileAt: written.path) { whole.append($0) }
        #expect(whole == written.lines, "the file reads whole, as zcat reads it", sourceLocation: sourceLocation)
    }

    @Test("lines share members up to 1 MiB; a line of 1 MiB or more has a member of its own", arguments: [
        ([100, 100, 100], [0, 0, 0]),
        ([600_000, 600_000], [0, 1]),
        ([2_000_000], [0]),
        ([100, 2_000_000, 100], [0, 1, 2]),
        ([1_048_575, 10], [0, 1]),
        ([1_048_574, 10, 10], [0, 1, 1]),
        ([], []),
    ])
    func grouping(_ sizes: [Int], _ expected: [Int]) throws {
        let directory = ArchiveFixture().root
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try Self.write(sizes, in: directory)
        #expect(written.memberOf == expected)
        #expect(written.members.count == Set(expected).count)
        try Self.expectReadable(written)
    }

    @Test("random line sizes: the members tile the file and each reads alone (seeded)")
    func randomSizes() throws {
        let directory = ArchiveFixture().root
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SplitMix64(seed: 27)
        for _ in 0..<12 {
            let count = Int(random.next() % 12)
            let sizes = (0..<count).map { _ in random.next() % 5 == 0 ? 1_000_000 + Int(random.next() % 600_000) : 20 + Int(random.next() % 300_000) }
            try Self.expectReadable(try Self.write(sizes, in: directory))
        }
    }

    @Test("every index entry names the member that holds its envelope, with its ids, route, status and time")
    func indexNamesMembers() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration(maxRecords: 100))
        let envelopes = (0..<12).map { ArchiveFixture.envelope(index: $0, bodyBytes: $0 % 4 == 0 ? 1_200_000 : 200_000) }
        for (offset, envelope) in envelopes.enumerated() {
            _ = try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(envelope, messageMaxBytes: 4_000_000)[0]))
        }
        let closed = try archiver.close()
        let manifest = try #require(closed.first?.manifest)
        #expect(manifest.formatVersion == 2 && manifest.index?.lines == 12)
        let entry = try #require(try ArchiveCatalog.scan(root: fixture.root).entries.first)
        let store = DirectoryArchiveStore(root: fixture.root)
        let index = try SegmentIndex.read(in: store, path: entry.relative(.index))
        #expect(index.members.count > 2, "large envelopes have members of their own")
        for (number, indexed) in index.entries.enumerated() {
            let record = try envelopes[number].record()
            #expect(indexed.line == number + 1 && indexed.id == envelopes[number].id && indexed.requestId == record.requestID)
            #expect(indexed.route == record.route && indexed.method == record.method && indexed.status == record.status && indexed.kind == "exchange")
            var lines: [ByteBuffer] = []
            try SegmentReader.forEachLine(in: store, path: entry.relative(.segment), range: indexed.member.range) { lines.append($0) }
            let ids = try lines.map { try StructuredCodec.decode($0).id }
            #expect(ids.contains(indexed.id), "line \(indexed.line) is in the member its entry names")
        }
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
    }

    @Test("a segment of dead letters only has an empty index and one empty gzip member, and verifies")
    func deadLettersOnly() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration())
        _ = try archiver.append(ArchiveInput(offset: 0, record: EnvelopeRecord(headers: [], value: ByteBuffer(string: "not an envelope"))))
        let closed = try archiver.close()
        #expect(closed.first?.manifest.count == 0 && closed.first?.manifest.index?.lines == 0 && closed.first?.manifest.deadLetters?.lines == 1)
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.passed && report.deadLetters == 1, "\(report.problems)")
    }

    @Test("an index that is not entries in line order is an error naming the line, never a trap", arguments: [
        ("not json", "line 1 is not an index entry"),
        (#"{"line":2,"offset":0,"length":10,"id":"a","time":"t","kind":"exchange"}"#, "names line 2"),
        (#"{"line":1,"offset":-1,"length":10,"id":"a","time":"t","kind":"exchange"}"#, "names line 1"),
        (#"{"line":1,"offset":0,"length":0,"id":"a","time":"t","kind":"exchange"}"#, "names line 1"),
        (#"{"line":1,"offset":9223372036854775807,"length":1,"id":"a","time":"t","kind":"exchange"}"#, "names line 1"),
        (#"{"line":1,"offset":0,"length":10,"id":"a","kind":"exchange"}"#, "not an index entry"),
    ])
    func hostileIndex(_ line: String, _ message: String) {
        #expect { _ = try SegmentIndex.decode(lines: [ByteBuffer(string: line)], path: "x.index.jsonl.gz") } throws: { error in
            let error = error as? ArchiveError
            return error?.code == .invalidIndex && error?.reason.contains(message) == true
        }
    }

    @Test("an index naming bytes past its segment is a problem for the reader, which goes on with the other segments")
    func indexPastTheSegment() throws {
        let (fixture, closed) = try VerifierTests.archive()
        defer { fixture.remove() }
        let indexPath = closed[1].manifestPath.replacingOccurrences(of: ".manifest.json", with: ".index.jsonl.gz")
        let entries = [#"{"id":"x","kind":"exchange","length":1,"line":1,"offset":9223372036854775806,"time":"2026-11-21T10:00:00Z"}"#]
        let writer = try SegmentFileWriter(path: indexPath, level: 1)
        for entry in entries { try writer.append(line: ByteBuffer(string: entry)) }
        _ = try writer.finish()
        var problems: [ArchiveFinding] = []
        var read = 0
        try ArchiveQuery.forEach(in: fixture.root, filter: ExchangeFilter(), onProblem: { problems.append($0) }) { _ in
            read += 1
            return .proceed
        }
        #expect(read == 4, "the other two segments are read")
        #expect(problems.count == 1 && problems.first?.message.contains("past the segment") == true, "\(problems)")
    }
}
