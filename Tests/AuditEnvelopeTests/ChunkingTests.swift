import AuditEnvelope
import NIOCore
import Testing

@Suite("Chunking and reassembly")
struct ChunkingTests {
    static func envelope(bytes: Int) -> AuditEnvelope {
        let data = ByteBuffer(bytes: (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        return AuditEnvelope(id: UUIDv7.generate(), source: "test", time: 1_795_258_073_000_000, data: data)
    }

    @Test("an envelope that fits stays one CloudEvents record")
    func fits() {
        let records = EnvelopeChunker.records(for: Self.envelope(bytes: 10_000), messageMaxBytes: 1_000_000)
        #expect(records.count == 1)
        #expect(!EnvelopeChunker.isChunk(records[0]))
        #expect(records[0].header("ce_specversion") == "1.0")
    }

    @Test("a 3 MB envelope splits into ordered chunks under the limit and reassembles to identical bytes")
    func roundTrip() throws {
        let envelope = Self.envelope(bytes: 3_000_000)
        let records = EnvelopeChunker.records(for: envelope, messageMaxBytes: 1_000_000)
        #expect(records.count == 4)
        #expect(records.allSatisfy { $0.value.readableBytes <= 1_000_000 - EnvelopeChunker.recordOverhead })
        #expect(records.map { $0.header(EnvelopeChunker.indexHeader) } == ["0", "1", "2", "3"])
        #expect(records.allSatisfy { $0.header(EnvelopeChunker.countHeader) == "4" && $0.header(EnvelopeChunker.idHeader) == envelope.id })
        #expect(records[0].header("ce_id") == envelope.id && records[1].header("ce_id") == nil)

        var reassembler = ChunkReassembler<Int>()
        for (offset, record) in records.dropLast().enumerated() {
            guard case .pending = try reassembler.add(record, at: offset) else { Issue.record("completed early"); return }
        }
        guard case .duplicate = try reassembler.add(records[1], at: 9) else { Issue.record("a repeated chunk was not ignored"); return }
        #expect(reassembler.oldestPendingPosition == 0)
        guard case .envelope(let rebuilt, let positions) = try reassembler.add(records[3], at: 3) else {
            Issue.record("not completed"); return
        }
        #expect(rebuilt == envelope)
        #expect(positions == [0, 1, 2, 3])
        #expect(reassembler.heldBytes == 0)
        #expect(reassembler.oldestPendingPosition == nil)
    }

    @Test("a missing chunk is reported when the set times out, never dropped silently")
    func missingChunk() throws {
        let envelope = Self.envelope(bytes: 2_500_000)
        let records = EnvelopeChunker.records(for: envelope, messageMaxBytes: 1_000_000)
        var reassembler = ChunkReassembler<Int>(timeout: .seconds(60))
        let start = ContinuousClock.now
        _ = try reassembler.add(records[0], at: 10, now: start)
        _ = try reassembler.add(records[2], at: 12, now: start)
        #expect(reassembler.expire(now: start + .seconds(30)).isEmpty)
        let incomplete = reassembler.expire(now: start + .seconds(61))
        #expect(incomplete.count == 1)
        #expect(incomplete.first?.id == envelope.id)
        #expect(incomplete.first?.received == [0, 2])
        #expect(incomplete.first?.count == 3)
        #expect(incomplete.first?.positions == [10, 12])
        #expect(reassembler.heldBytes == 0)
    }

    @Test("memory stays bounded: the oldest incomplete set is evicted and reported")
    func memoryBound() throws {
        var reassembler = ChunkReassembler<Int>(budget: ChunkMemoryBudget(maxBytes: 1_500_000))
        let first = EnvelopeChunker.records(for: Self.envelope(bytes: 2_000_000), messageMaxBytes: 1_000_000)
        let second = EnvelopeChunker.records(for: Self.envelope(bytes: 2_000_000), messageMaxBytes: 1_000_000)
        _ = try reassembler.add(first[0], at: 0)
        _ = try reassembler.add(second[0], at: 1)
        #expect(reassembler.heldBytes <= 1_500_000)
        let evicted = reassembler.expire()
        #expect(evicted.count == 1)
        #expect(evicted.first?.reason.contains("evicted") == true)
    }

    @Test("inconsistent chunk headers are refused")
    func inconsistent() throws {
        let records = EnvelopeChunker.records(for: Self.envelope(bytes: 2_000_000), messageMaxBytes: 1_000_000)
        var reassembler = ChunkReassembler<Int>()
        _ = try reassembler.add(records[0], at: 0)
        var forged = records[1]
        forged.headers = forged.headers.map { $0.name == EnvelopeChunker.countHeader ? HeaderField(name: $0.name, value: "9") : $0 }
        #expect(throws: EnvelopeError.self) { try reassembler.add(forged, at: 1) }
    }
}
