import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

@Suite("Partition archiver")
struct PartitionArchiverTests {
    @Test("segments rotate by record count, chain their manifests, and read back byte for byte")
    func rotationAndChain() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration(maxRecords: 4))
        #expect(archiver.startOffset == nil)
        let envelopes = (0..<10).map { ArchiveFixture.envelope(index: $0) }
        var closed: [ClosedSegment] = []
        for (offset, envelope) in envelopes.enumerated() {
            closed += try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(envelope)[0]))
        }
        closed += try archiver.close()

        #expect(closed.map(\.manifest.count) == [4, 4, 2])
        #expect(closed.map(\.manifest.firstOffset) == [0, 4, 8])
        #expect(closed.map(\.commitOffset) == [4, 8, 10])
        #expect(closed[0].manifest.previousManifestSHA256 == nil)
        #expect(closed[1].manifest.previousManifestSHA256 != nil)
        #expect(try fixture.archivedIDs() == envelopes.map(\.id))

        var lines: [ByteBuffer] = []
        try ArchiveQuery.forEach(in: fixture.root, filter: ExchangeFilter(), onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
            lines.append(exchange.line)
            return .proceed
        }
        #expect(lines == envelopes.map { StructuredCodec.encode($0) })

        let segment = try fixture.files(.segment)[0]
        #expect(segment.hasSuffix("/audit.test/dt=2026-11-21/hour=10/audit.test+0+00000000000000000000.jsonl.gz"))
        var info = stat()
        #expect(stat(segment, &info) == 0 && info.st_mode & 0o777 == 0o640)
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.passed, "\(report.problems)")
        #expect(report.envelopes == 10)
    }

    @Test("a new archiver resumes after the newest manifest and skips what is already archived")
    func resume() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let envelopes = (0..<6).map { ArchiveFixture.envelope(index: $0) }
        do {
            let first = try fixture.archiver(fixture.configuration(maxRecords: 3))
            for offset in 0..<4 {
                _ = try first.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(envelopes[offset])[0]))
            }
            // "Crash": offset 3 is in an open segment that is never closed; the lock goes with
            // the archiver, as it goes with a dead process.
        }

        let second = try fixture.archiver(fixture.configuration(maxRecords: 3))
        #expect(second.startOffset == 3)
        for offset in 0..<6 {
            _ = try second.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(envelopes[offset])[0]))
        }
        _ = try second.close()
        #expect(try fixture.archivedIDs() == envelopes.map(\.id))
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
    }

    @Test("a chunked envelope split by a segment boundary and a crash is archived exactly once")
    func carriedChunks() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let big = ArchiveFixture.envelope(index: 0, bodyBytes: 300_000)
        let chunks = ArchiveFixture.records(big, messageMaxBytes: 128 * 1024)
        #expect(chunks.count >= 3)
        let small = (1...3).map { ArchiveFixture.envelope(index: $0) }
        // Offsets: chunk 0, small 1, small 2 (closes a 2-record segment), chunks 1..., small 3.
        var inputs = [ArchiveInput(offset: 0, record: chunks[0])]
        inputs.append(ArchiveInput(offset: 1, record: ArchiveFixture.records(small[0])[0]))
        inputs.append(ArchiveInput(offset: 2, record: ArchiveFixture.records(small[1])[0]))
        for chunk in chunks.dropFirst() { inputs.append(ArchiveInput(offset: Int64(inputs.count), record: chunk)) }
        inputs.append(ArchiveInput(offset: Int64(inputs.count), record: ArchiveFixture.records(small[2])[0]))

        var closed: [ClosedSegment] = []
        do {
            let first = try fixture.archiver(fixture.configuration(maxRecords: 2))
            for input in inputs.prefix(4) { closed += try first.append(input) }
        }
        #expect(closed.count == 1)
        #expect(closed[0].manifest.carriedOver == [.init(id: big.id, offsets: [0])])
        #expect(closed[0].commitOffset == 0)

        let second = try fixture.archiver(fixture.configuration(maxRecords: 2))
        #expect(second.startOffset == 0)
        for input in inputs { _ = try second.append(input) }
        _ = try second.close()
        #expect(try fixture.archivedIDs().sorted() == ([big.id] + small.map(\.id)).sorted())
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
    }

    @Test("a record that is not an envelope goes to the dead-letter file with its offset and reason")
    func deadLetter() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration())
        let good = ArchiveFixture.envelope(index: 1)
        _ = try archiver.append(ArchiveInput(offset: 0, record: EnvelopeRecord(headers: [], value: ByteBuffer(string: "not an envelope")), timestampMilliseconds: 1_795_258_073_000))
        _ = try archiver.append(ArchiveInput(offset: 1, record: ArchiveFixture.records(good)[0]))
        let closed = try archiver.close()
        #expect(closed.first?.manifest.count == 1)
        #expect(closed.first?.manifest.deadLetters?.lines == 1)
        #expect(try fixture.archivedIDs() == [good.id])
        var letters: [DeadLetter] = []
        try SegmentReader.forEachLine(inFileAt: try fixture.files(.deadLetters)[0]) { line in
            letters.append(try! JSONDecoder().decode(DeadLetter.self, from: Data(line.readableBytesView)))
        }
        #expect(letters.map(\.offsets) == [[0]])
        #expect(letters[0].reason.contains("ce_specversion"))
        #expect(Data(base64Encoded: letters[0].values[0]) == Data("not an envelope".utf8))
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
    }

    @Test("a segment file an interrupted writer left past the newest manifest is removed on resume", arguments: ["head file names it pending", "archive without head files"])
    func orphanCleanup(_ how: String) throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        do {
            let archiver = try fixture.archiver(fixture.configuration(maxRecords: 1))
            _ = try archiver.append(ArchiveInput(offset: 0, record: ArchiveFixture.records(ArchiveFixture.envelope(index: 0))[0]))
        }
        let manifest = try fixture.files(.manifest)[0]
        let directory = (manifest as NSString).deletingLastPathComponent
        let orphanName = SegmentFileName(topic: fixture.topic, partition: 0, startOffset: 1)
        let orphan = "\(directory)/\(orphanName.fileName(.segment))"
        FileManager.default.createFile(atPath: orphan, contents: Data([0x1f, 0x8b]))
        let topicDirectory = ArchiveLayout(root: fixture.root).topicDirectory(fixture.topic)
        let headPath = "\(ArchiveLayout(root: fixture.root).headDirectory(fixture.topic))/\(fixture.topic)+0.json"
        #expect(FileManager.default.fileExists(atPath: headPath))
        if how == "archive without head files" {
            try FileManager.default.removeItem(atPath: headPath)
        } else {
            let relative = { (path: String) in String(path.dropFirst(topicDirectory.count + 1)) }
            let content = "{\"manifest\":\"\(relative(manifest))\",\"pending\":\"\(relative("\(directory)/\(orphanName.base)"))\"}"
            try content.write(toFile: headPath, atomically: true, encoding: .utf8)
        }
        #expect(!(try ArchiveVerifier.verify(root: fixture.root).passed))
        let resumed = try fixture.archiver(fixture.configuration(maxRecords: 1))
        #expect(resumed.startOffset == 1)
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
    }

    @Test("taking a partition reads its head file, not the tree: a head file naming a missing manifest falls back to listing")
    func headFile() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        do {
            let archiver = try fixture.archiver(fixture.configuration(maxRecords: 1))
            for offset in 0..<3 {
                _ = try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(ArchiveFixture.envelope(index: offset))[0]))
            }
        }
        let headPath = "\(ArchiveLayout(root: fixture.root).headDirectory(fixture.topic))/\(fixture.topic)+0.json"
        let head = try String(contentsOfFile: headPath, encoding: .utf8)
        #expect(head.contains("00000000000000000002.manifest.json"))
        #expect(try fixture.archiver(fixture.configuration(maxRecords: 1)).startOffset == 3)
        try "{\"manifest\":\"dt=2000-01-01/hour=00/gone.manifest.json\"}".write(toFile: headPath, atomically: true, encoding: .utf8)
        #expect(try fixture.archiver(fixture.configuration(maxRecords: 1)).startOffset == 3)
        try "{\"manifest\":\"../../../etc/passwd\"}".write(toFile: headPath, atomically: true, encoding: .utf8)
        #expect(try fixture.archiver(fixture.configuration(maxRecords: 1)).startOffset == 3)
    }
}
