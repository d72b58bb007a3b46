import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

@Suite("Reconciliation per producer")
struct ReconciliationTests {
    /// An exchange envelope of `producer` numbered `sequence` (reusing `id` when given).
    static func exchange(_ producer: String?, _ sequence: Int64?, id: String? = nil) -> AuditEnvelope {
        var record = try! ArchiveFixture.envelope(index: Int(sequence ?? 0)).record()
        record.producer = producer
        record.sequence = sequence
        if let id { record.exchangeID = id }
        return AuditEnvelope(record: record, source: "test")
    }

    static func notice(_ producer: String, _ first: Int64, _ last: Int64, _ reason: String) -> AuditEnvelope {
        DropNotice(producer: producer, firstSequence: first, lastSequence: last, reason: reason, time: 1_795_258_073_000_000).envelope(source: "test")
    }

    static func mark(_ producer: String, _ highest: Int64, at time: Int64 = 1_795_258_073_000_000) -> AuditEnvelope {
        ProducerMark(producer: producer, highestSequence: highest, time: time).envelope(source: "test")
    }

    /// Archives `envelopes` in one partition and reconciles (believing only events signed by
    /// `producerKeys`, when given).
    static func reconcile(_ envelopes: [AuditEnvelope], producerKeys: [ManifestPublicKey] = []) throws -> ArchiveReconciliation {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration())
        for (offset, envelope) in envelopes.enumerated() {
            _ = try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(envelope)[0]))
        }
        _ = try archiver.close()
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed, "drop notices are valid archive lines")
        let marks = envelopes.filter { $0.type == ProducerMark.eventType }.count
        #expect(try fixture.archivedIDs().count == envelopes.count - marks, "a query selects marks only when asked")
        return try ArchiveReconciliation.compute(root: fixture.root, producerKeys: producerKeys)
    }

    @Test("marks: a deleted tail up to the newest mark is lost, a producer with only marks is reported, the newest mark is kept", arguments: [
        // (archived, marks, highest, lost)
        ([1, 2, 3], [5], 5, ["4-5"]),
        ([1, 2, 3], [2, 3], 3, []),
        ([1, 2, 3], [0], 3, []),
        ([Int64](), [4, 7], 7, ["1-7"]),
        ([Int64](), [0], 0, []),
        ([1, 5], [3], 5, ["2-4"]),
    ] as [([Int64], [Int64], Int64, [String])])
    func marks(archived: [Int64], marks: [Int64], highest: Int64, lost: [String]) throws {
        let times = marks.indices.map { 1_795_258_073_000_000 + Int64($0) * 10_000_000 }
        let envelopes = archived.map { Self.exchange("p1", $0) } + zip(marks, times).map { Self.mark("p1", $0, at: $1) }
        let producer = try #require(try Self.reconcile(envelopes).producers.first)
        #expect(producer.highest == highest)
        #expect(producer.archived == Set(archived).count)
        #expect(producer.unexplained.map(\.description) == lost)
        #expect(producer.marks == marks.count)
        #expect(producer.newestMark?.highestSequence == marks.last && producer.newestMark?.time == times.last)
    }

    @Test("with producer keys, unsigned, badly signed and foreign-signed notices and marks are refused and what they claim is lost; signed ones are believed")
    func producerSignatures() throws {
        let key = try ManifestSigningKey.generate()
        let other = try ManifestSigningKey.generate()
        let time: Int64 = 1_795_258_073_000_000
        let signedNotice = try DropNotice(producer: "p1", firstSequence: 2, lastSequence: 3, reason: "queue_full", time: time).signed(by: key)
        let forgedNotice = DropNotice(producer: "p1", firstSequence: 5, lastSequence: 6, reason: "queue_full", time: time)
        let foreignNotice = try DropNotice(producer: "p1", firstSequence: 8, lastSequence: 8, reason: "too_large", time: time).signed(by: other)
        var alteredNotice = try DropNotice(producer: "p1", firstSequence: 10, lastSequence: 10, reason: "queue_full", time: time).signed(by: key)
        alteredNotice.lastSequence = 11
        let signedMark = try ProducerMark(producer: "p1", highestSequence: 12, time: time).signed(by: key)
        let forgedMark = ProducerMark(producer: "p1", highestSequence: 20, time: time + 1)
        var envelopes = [1, 4, 7, 9, 12].map { Self.exchange("p1", Int64($0)) }
        envelopes += [signedNotice, forgedNotice, foreignNotice, alteredNotice].map { $0.envelope(source: "test") }
        envelopes += [signedMark, forgedMark].map { $0.envelope(source: "test") }

        let believing = try #require(try Self.reconcile(envelopes).producers.first)
        #expect(believing.highest == 20 && believing.unexplained.map(\.description) == ["13-20"], "without keys every notice and mark counts")
        let result = try Self.reconcile(envelopes, producerKeys: [key.publicKey])
        let producer = try #require(result.producers.first)
        #expect(result.producerSignaturesChecked && result.refusedEvents == 4)
        #expect(producer.explained == [.init(first: 2, last: 3, reason: "queue_full")])
        #expect(producer.unexplained.map(\.description) == ["5-6", "8", "10-11"])
        #expect(producer.highest == 12 && producer.newestMark == signedMark)
        #expect(result.problems.filter { $0.message.contains("refused") }.count == 4, "\(result.problems)")
        #expect(result.problems.contains { $0.message.contains("not signed") } && result.problems.contains { $0.message.contains("not among") }
            && result.problems.contains { $0.message.contains("does not verify") })
    }

    @Test("gaps explained by notices, gaps lost, and duplicates are told apart")
    func mixed() throws {
        let twice = UUIDv7.generate()
        var envelopes = [1, 2, 3, 6, 7, 9, 10].map { Self.exchange("p1", Int64($0), id: $0 == 2 ? twice : nil) }
        envelopes.append(Self.exchange("p1", 2, id: twice))
        envelopes.append(Self.notice("p1", 4, 5, "queue_full"))
        envelopes.append(Self.exchange(nil, nil))
        let result = try Self.reconcile(envelopes)
        #expect(result.producers.count == 1)
        let producer = try #require(result.producers.first)
        #expect(producer.id == "p1" && producer.highest == 10 && producer.archived == 7)
        #expect(producer.explained == [.init(first: 4, last: 5, reason: "queue_full")])
        #expect(producer.unexplained == [.init(first: 8, last: 8, reason: nil)])
        #expect(producer.duplicates.map(\.id) == [twice] && producer.duplicates.first?.count == 2)
        #expect(result.unsequenced == 1)
        #expect(!result.isComplete)
    }

    @Test("a notice that covers part of a gap explains only that part", arguments: [
        // (archived, notices (first, last), explained, unexplained)
        ([1, 8], [(4, 5)], ["4-5"], ["2-3", "6-7"]),
        ([1, 8], [(2, 7)], ["2-7"], []),
        ([1, 8], [(2, 3), (6, 7)], ["2-3", "6-7"], ["4-5"]),
        ([1, 2, 3], [(4, 6)], ["4-6"], []),
        ([5], [], [], ["1-4"]),
        ([1, 8], [(1, 3)], ["2-3"], ["4-7"]),
    ] as [([Int64], [(Int64, Int64)], [String], [String])])
    func partial(_ archived: [Int64], _ notices: [(Int64, Int64)], _ explained: [String], _ unexplained: [String]) throws {
        let envelopes = archived.map { Self.exchange("p", $0) } + notices.map { Self.notice("p", $0.0, $0.1, "spool_full") }
        let producer = try #require(try Self.reconcile(envelopes).producers.first)
        #expect(producer.explained.map(\.description) == explained)
        #expect(producer.unexplained.map(\.description) == unexplained)
    }

    @Test("producers are reconciled separately, and a complete archive says so")
    func complete() throws {
        let envelopes = [Self.exchange("a", 1), Self.exchange("b", 1), Self.exchange("a", 2), Self.notice("b", 2, 2, "too_large"), Self.exchange("b", 3)]
        let result = try Self.reconcile(envelopes)
        #expect(result.producers.map(\.id) == ["a", "b"])
        #expect(result.isComplete)
        #expect(result.producers[1].explained == [.init(first: 2, last: 2, reason: "too_large")])
    }

    @Test("a drop notice round-trips and impossible ranges are refused")
    func noticeCodec() throws {
        let notice = DropNotice(producer: "p", firstSequence: 3, lastSequence: 9, reason: "queue_full", time: 1_795_258_073_000_000)
        #expect(try DropNotice.decode(notice.encoded()) == notice)
        for bad in [
            #"{"producer":"p","firstSequence":0,"lastSequence":1,"reason":"r","time":"2026-11-30T00:00:00Z"}"#,
            #"{"producer":"p","firstSequence":5,"lastSequence":4,"reason":"r","time":"2026-11-30T00:00:00Z"}"#,
            #"{"producer":"p","firstSequence":1,"lastSequence":2,"reason":"r"}"#,
        ] {
            #expect(throws: EnvelopeError.self) { _ = try DropNotice.decode(ByteBuffer(string: bad)) }
        }
    }
}

extension ReconciliationTests {
    @Test("sequence numbers past 2^53 - 1 (Int64.max in an exchange or a notice) are refused where they come in, and reconcile never traps on them")
    func extremeSequences() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration())
        var planted = try ArchiveFixture.envelope(index: 3).record()
        planted.producer = "p1"
        planted.sequence = .max
        let envelopes = [Self.exchange("p1", 1), AuditEnvelope(record: planted, source: "test"), Self.notice("p1", 2, .max, "queue_full"), Self.notice("p1", .max, .max, "queue_full"), Self.exchange("p1", 2)]
        for (offset, envelope) in envelopes.enumerated() {
            _ = try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(envelope)[0]))
        }
        _ = try archiver.close()
        let letters = try HostileArchiveTests.deadLetters(fixture)
        #expect(letters.count == 3, "the exchange and the notices with Int64.max are dead letters: \(letters.map(\.reason))")
        let result = try ArchiveReconciliation.compute(root: fixture.root)
        #expect(result.producers.map(\.id) == ["p1"])
        #expect(result.producers.first?.highest == 2 && result.producers.first?.archived == 2)
        #expect(result.isComplete)
    }
}

extension ReconciliationTests {
    @Test("reconcile counts only segments that match their manifests, and with a key only signed ones; what it skips it reports")
    func countsOnlyChecked() throws {
        let key = try ManifestSigningKey.generate()
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        var configuration = fixture.configuration(maxRecords: 2)
        configuration.signingKey = key
        let archiver = try fixture.archiver(configuration)
        var closed: [ClosedSegment] = []
        for sequence in 1...6 {
            closed += try archiver.append(ArchiveInput(offset: Int64(sequence - 1), record: ArchiveFixture.records(Self.exchange("p1", Int64(sequence)))[0]))
        }
        _ = try archiver.close()
        let honest = try ArchiveReconciliation.compute(root: fixture.root, publicKeys: [key.publicKey])
        #expect(honest.isComplete && honest.problems.isEmpty && honest.segmentsChecked == 3 && honest.signaturesChecked)

        // The middle segment rewritten as valid gzip holding a forged exchange in place of number 4.
        let segment = VerifierTests.segmentPath(closed[1])
        var lines: [ByteBuffer] = []
        try SegmentReader.forEachLine(inFileAt: segment) { lines.append($0) }
        lines[1] = StructuredCodec.encode(Self.exchange("p1", 3))
        try HostileArchiveTests.gzipFile(segment, lines: lines)
        let tampered = try ArchiveReconciliation.compute(root: fixture.root)
        #expect(tampered.problems.contains { $0.subject == segment && $0.message.contains("do not match its manifest") }, "\(tampered.problems)")
        #expect(tampered.segmentsChecked == 2 && !tampered.signaturesChecked)
        #expect(tampered.producers.first?.unexplained.map(\.description) == ["3-4"], "the forged segment's numbers are not counted")
        #expect(tampered.producers.first?.duplicates.isEmpty == true)

        // Its manifest relinked and rehashed by someone without the key: only the signature catches it.
        try SigningTests.rewriteHistory(closed, at: 2)
        let unsigned = try ArchiveReconciliation.compute(root: fixture.root, publicKeys: [key.publicKey])
        #expect(unsigned.problems.contains { $0.message.contains("signature does not verify") }, "\(unsigned.problems)")
    }
}
