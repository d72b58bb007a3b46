@testable import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

@Suite("Hostile records and archive files")
struct HostileArchiveTests {
    static func gzipFile(_ path: String, lines: [ByteBuffer]) throws {
        let writer = try SegmentFileWriter(path: path, level: 1)
        for line in lines { try writer.append(line: line) }
        _ = try writer.finish()
    }

    static func deadLetters(_ fixture: ArchiveFixture) throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        for path in try fixture.files(.deadLetters) {
            try SegmentReader.forEachLine(inFileAt: path) { line in
                if let letter = try? JSONDecoder().decode(DeadLetter.self, from: Data(line.readableBytesView)) { letters.append(letter) }
            }
        }
        return letters
    }

    @Test("the reported 5 GB chunk, an oversize envelope and a multi-line envelope become dead letters; the partition goes on")
    func hostileRecords() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        var configuration = fixture.configuration()
        configuration.maxEnvelopeBytes = 100_000
        let archiver = try fixture.archiver(configuration)
        let good = ArchiveFixture.envelope(index: 1)
        var multiLine = ArchiveFixture.records(ArchiveFixture.envelope(index: 2))[0]
        multiLine.value = ByteBuffer(string: String(buffer: multiLine.value).replacingOccurrences(of: ",\"method\"", with: ",\n\"method\""))
        let hostile = [
            EnvelopeRecord(headers: [
                HeaderField(name: EnvelopeChunker.idHeader, value: "x"), HeaderField(name: EnvelopeChunker.indexHeader, value: "0"),
                HeaderField(name: EnvelopeChunker.countHeader, value: "1"), HeaderField(name: EnvelopeChunker.totalBytesHeader, value: "5000000000"),
            ], value: ByteBuffer(string: "{}")),
            EnvelopeRecord(headers: ArchiveFixture.records(good)[0].headers, value: ByteBuffer(repeating: 0x20, count: 200_000)),
            multiLine,
        ]
        for (offset, record) in hostile.enumerated() {
            _ = try archiver.append(ArchiveInput(offset: Int64(offset), record: record))
        }
        _ = try archiver.append(ArchiveInput(offset: 3, record: ArchiveFixture.records(good)[0]))
        let closed = try archiver.close()
        #expect(closed.first?.manifest.count == 1)
        #expect(try fixture.archivedIDs() == [good.id])
        let letters = try Self.deadLetters(fixture)
        #expect(letters.map(\.offsets) == [[0], [1], [2]])
        #expect(letters[0].reason.contains("5000000000"))
        #expect(letters[1].reason.contains("over the 100000-byte limit"))
        #expect(letters[2].reason.contains("line break"))
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
    }

    @Test("a second writer on a partition is refused, naming the holder, and touches nothing; the lock is free after close")
    func oneWriter() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let first = try fixture.archiver(fixture.configuration())
        _ = try first.append(ArchiveInput(offset: 0, record: ArchiveFixture.records(ArchiveFixture.envelope(index: 0))[0]))
        let staged = try FileManager.default.contentsOfDirectory(atPath: ArchiveLayout(root: fixture.root).stagingDirectory(fixture.topic))
        #expect(!staged.isEmpty)
        #expect { _ = try fixture.archiver(fixture.configuration()) } throws: { error in
            guard let error = error as? ArchiveError else { return false }
            return error.code == .locked && error.reason.contains("pid \(ProcessInfo.processInfo.processIdentifier)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: ArchiveLayout(root: fixture.root).stagingDirectory(fixture.topic)) == staged)
        _ = try fixture.archiver(fixture.configuration(), partition: 1)
        _ = try first.close()
        _ = try fixture.archiver(fixture.configuration())
    }

    @Test("a line longer than the bound stops that file with an error")
    func longLine() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        try FileManager.default.createDirectory(atPath: fixture.root, withIntermediateDirectories: true)
        let path = "\(fixture.root)/long.jsonl.gz"
        try Self.gzipFile(path, lines: [ByteBuffer(string: "short"), ByteBuffer(repeating: 0x61, count: 3_000_000)])
        var limits = SegmentReader.Limits()
        limits.maxLineBytes = 1_000_000
        var seen = 0
        #expect { try SegmentReader.forEachLine(inFileAt: path, limits: limits) { _ in seen += 1 } } throws: { ($0 as? ArchiveError)?.code == .oversize }
        #expect(seen == 1)
    }

    @Test("a gzip bomb stops at the manifest's size without inflating the rest")
    func gzipBomb() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        try FileManager.default.createDirectory(atPath: fixture.root, withIntermediateDirectories: true)
        let path = "\(fixture.root)/bomb.jsonl.gz"
        let writer = try SegmentFileWriter(path: path, level: 9)
        let block = ByteBuffer(repeating: 0x30, count: 8 * 1024 * 1024)
        for _ in 0..<64 { try writer.append(line: block) }
        _ = try writer.finish()
        #expect(ArchiveFile.size(path) ?? .max < 2_000_000)
        var limits = SegmentReader.Limits()
        limits.maxInflatedBytes = 10_000_000
        var lines = 0
        let started = ContinuousClock.now
        #expect { try SegmentReader.forEachLine(inFileAt: path, limits: limits) { _ in lines += 1 } } throws: { ($0 as? ArchiveError)?.code == .oversize }
        #expect(lines <= 2)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("symbolic links and FIFOs in the archive are reported, never followed or opened; readers go on")
    func irregularFiles() throws {
        let (fixture, closed) = try VerifierTests.archive()
        defer { fixture.remove() }
        let linked = VerifierTests.segmentPath(closed[0])
        let outside = "\(fixture.root)/outside.jsonl.gz"
        try FileManager.default.moveItem(atPath: linked, toPath: outside)
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: outside)
        let fifo = VerifierTests.segmentPath(closed[1])
        try FileManager.default.removeItem(atPath: fifo)
        #expect(mkfifo(fifo, 0o600) == 0)

        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(!report.passed)
        #expect(report.problems.contains { $0.subject == linked && $0.message.contains("symbolic link") })
        #expect(report.problems.contains { $0.subject == fifo && $0.message.contains("FIFO") })

        var problems: [ArchiveFinding] = []
        var read = 0
        try ArchiveQuery.forEach(in: fixture.root, filter: ExchangeFilter(), onProblem: { problems.append($0) }) { _ in
            read += 1
            return .proceed
        }
        #expect(read == 2)
        #expect(problems.count >= 2)
        #expect { _ = try ArchiveFile.read(fifo, maxBytes: 10) } throws: { ($0 as? ArchiveError)?.code == .notRegularFile }
        #expect { _ = try ArchiveFile.read(linked, maxBytes: 10) } throws: { ($0 as? ArchiveError)?.code == .notRegularFile }
    }

    @Test("a bad line is reported and skipped; the lines after it and the other segments are read")
    func badLine() throws {
        let (fixture, closed) = try VerifierTests.archive()
        defer { fixture.remove() }
        let path = VerifierTests.segmentPath(closed[1])
        var lines: [ByteBuffer] = []
        try SegmentReader.forEachLine(inFileAt: path) { lines.append($0) }
        try Self.gzipFile(path, lines: [ByteBuffer(string: "{\"broken\": tru")] + lines)
        // Without its index the segment is read by scanning, line after line (an index could
        // not name a line that is no envelope).
        try FileManager.default.removeItem(atPath: path.replacingOccurrences(of: ".jsonl.gz", with: ".index.jsonl.gz"))
        var problems: [ArchiveFinding] = []
        var read = 0
        try ArchiveQuery.forEach(in: fixture.root, filter: ExchangeFilter(), onProblem: { problems.append($0) }) { _ in
            read += 1
            return .proceed
        }
        #expect(read == 6)
        #expect(problems.count == 1)
        #expect(problems.first?.subject == path && problems.first?.message.contains("line 1") == true)
        let statistics = try ArchiveStatistics.compute(root: fixture.root, filter: ExchangeFilter())
        #expect(statistics.total.exchanges == 6 && statistics.problems.count == 1)
    }

    @Test("absurd manifest numbers are errors, not traps", arguments: [
        "lastOffset Int64.max", "negative partition", "negative count", "resume past the end", "gap outside", "negative bytes", "file name with a slash",
    ])
    func absurdManifest(_ change: String) throws {
        let (fixture, closed) = try VerifierTests.archive()
        defer { fixture.remove() }
        var manifest = closed[1].manifest
        switch change {
        case "lastOffset Int64.max": manifest.lastOffset = .max
        case "negative partition": manifest.partition = -1
        case "negative count": manifest.count = -5
        case "resume past the end": manifest.resumeOffset = manifest.lastOffset + 10
        case "gap outside": manifest.gaps = [.init(from: 0, to: .max)]
        case "negative bytes": manifest.segment.bytes = -1
        default: manifest.segment.file = "../../etc/passwd"
        }
        try Data(manifest.encoded().readableBytesView).write(to: URL(fileURLWithPath: closed[1].manifestPath))
        #expect { _ = try ManifestFile(path: closed[1].manifestPath) } throws: { ($0 as? ArchiveError)?.code == .invalidManifest }
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.problems.contains { $0.subject == closed[1].manifestPath })
    }
}

extension HostileArchiveTests {
    @Test("a file with no recorded size (a dead-letter file) that inflates like a bomb stops at the ratio bound")
    func ratioBound() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        try FileManager.default.createDirectory(atPath: fixture.root, withIntermediateDirectories: true)
        let path = "\(fixture.root)/bomb.deadletter.jsonl.gz"
        let writer = try SegmentFileWriter(path: path, level: 9)
        for _ in 0..<96 { try writer.append(line: ByteBuffer(repeating: 0x41, count: 4 * 1024 * 1024)) }
        _ = try writer.finish()
        var limits = SegmentReader.Limits.unrecordedSize
        limits.maxLineBytes = 8 * 1024 * 1024
        var lines = 0
        #expect { try SegmentReader.forEachLine(inFileAt: path, limits: limits) { _ in lines += 1 } } throws: { error in
            (error as? ArchiveError)?.reason.contains("256 times") == true
        }
        #expect(lines < 96)
    }
}

extension HostileArchiveTests {
    @Test("a manifest whose uncompressedBytes is Int.max is refused, and every reader goes on instead of trapping")
    func hugeUncompressedBytes() throws {
        let (fixture, closed) = try VerifierTests.archive()
        defer { fixture.remove() }
        var manifest = closed[1].manifest
        manifest.uncompressedBytes = .max
        try Data(manifest.encoded().readableBytesView).write(to: URL(fileURLWithPath: closed[1].manifestPath))
        #expect { _ = try ManifestFile(path: closed[1].manifestPath) } throws: { ($0 as? ArchiveError)?.code == .invalidManifest }
        #expect(try ArchiveVerifier.verify(root: fixture.root).problems.contains { $0.subject == closed[1].manifestPath })
        // A reader reads a manifest only for a segment without an index.
        try FileManager.default.removeItem(atPath: closed[1].manifestPath.replacingOccurrences(of: ".manifest.json", with: ".index.jsonl.gz"))
        #expect(try ArchiveStatistics.compute(root: fixture.root, filter: ExchangeFilter()).problems.isEmpty == false)
        _ = try ArchiveReconciliation.compute(root: fixture.root)
        // And the reader's bound itself saturates, whatever it is given.
        #expect(SegmentReader.Limits(uncompressedBytes: .max).maxInflatedBytes == .max)
        #expect(SegmentReader.Limits(uncompressedBytes: -1).maxInflatedBytes == 16 * 1024 * 1024)
    }

    @Test("statistics over bodies whose sizes are Int.max saturate instead of trapping")
    func hugeBodySizes() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration())
        for offset in 0..<3 {
            var record = try ArchiveFixture.envelope(index: offset).record()
            record.request.body.size = .max
            record.response.body.size = .max
            let envelope = AuditEnvelope(record: record, source: "test")
            _ = try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(envelope)[0]))
        }
        _ = try archiver.close()
        let statistics = try ArchiveStatistics.compute(root: fixture.root, filter: ExchangeFilter())
        #expect(statistics.total.exchanges == 3)
        #expect(statistics.total.requestBytes == .max && statistics.total.responseBytes == .max)
    }

    @Test("a record with an implausible Kafka timestamp is dead-lettered without a trap, its timestamp dropped",
          arguments: [Int64.max, Int64.min, 9_300_000_000_000_000, -1, 253_402_300_800_000])
    func implausibleTimestamp(_ timestamp: Int64) throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration())
        let junk = EnvelopeRecord(headers: [HeaderField(name: "ce_type", value: "nope")], value: ByteBuffer(string: "not an envelope"))
        let input = ArchiveInput(offset: 0, record: junk, timestampMilliseconds: timestamp)
        #expect(input.timestampMilliseconds == nil)
        _ = try archiver.append(input)
        _ = try archiver.append(ArchiveInput(offset: 1, record: ArchiveFixture.records(ArchiveFixture.envelope(index: 1))[0], timestampMilliseconds: timestamp))
        _ = try archiver.close()
        let letters = try Self.deadLetters(fixture)
        #expect(letters.count == 1 && letters.first?.timestamp == nil)
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
        #expect(ArchiveInput(offset: 0, record: junk, timestampMilliseconds: 1_795_258_073_000).timestampMilliseconds == 1_795_258_073_000)
    }

    @Test("verify reads every topic directory: segments hidden under a name no topic has are a problem, other directories a warning")
    func hiddenTopicDirectories() throws {
        let (fixture, _) = try VerifierTests.archive()
        defer { fixture.remove() }
        let topicDirectory = ArchiveLayout(root: fixture.root).topicDirectory(fixture.topic)
        // A corrupt copy of the topic under a hidden name: before, verify skipped it and passed.
        try FileManager.default.copyItem(atPath: topicDirectory, toPath: "\(fixture.root)/.\(fixture.topic)")
        try FileManager.default.createDirectory(atPath: "\(fixture.root)/lost+found", withIntermediateDirectories: true)
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.problems.contains { $0.subject == "\(fixture.root)/.\(fixture.topic)" }, "\(report.problems)")
        #expect(!report.passed)
        #expect(report.warnings.contains { $0.subject == "\(fixture.root)/lost+found" }, "\(report.warnings)")
        // A topic starting with '_' is a topic the layout holds: read like any other.
        try FileManager.default.removeItem(atPath: "\(fixture.root)/.\(fixture.topic)")
        #expect(ArchiveLayout.topicNameProblem("_schemas") == nil)
        for name in ["", ".", "..", ".hidden", "a/b", "a b", String(repeating: "t", count: 250), "é"] {
            #expect(ArchiveLayout.topicNameProblem(name) != nil, "'\(name)'")
        }
    }
}

extension HostileArchiveTests {
    @Test("the staging directory must be the process's own: created 0700; a link, another user's or a world-writable directory is refused")
    func privateStaging() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let fresh = "\(base)/fresh"
        try StagingDirectory.prepare(fresh, topic: "t", partition: 0)
        var info = stat()
        #expect(lstat(fresh, &info) == 0 && info.st_mode & 0o777 == 0o700)

        try FileManager.default.createSymbolicLink(atPath: "\(base)/link", withDestinationPath: fresh)
        #expect(throws: ArchiveError.self) { try StagingDirectory.prepare("\(base)/link", topic: "t", partition: 0) }

        let open = "\(base)/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        #expect(chmod(open, 0o777) == 0)
        #expect { try StagingDirectory.prepare(open, topic: "t", partition: 0) } throws: { ($0 as? ArchiveError)?.reason.contains("writable by every user") == true }

        if geteuid() == 0 {
            let foreign = "\(base)/foreign"
            try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
            #expect(chown(foreign, 12345, 12345) == 0)
            #expect { try StagingDirectory.prepare(foreign, topic: "t", partition: 0) } throws: { ($0 as? ArchiveError)?.reason.contains("belongs to uid 12345") == true }
        }
    }
}
