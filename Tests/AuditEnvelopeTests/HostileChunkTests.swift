import AuditEnvelope
import NIOCore
import Testing
import TestSupport

@Suite("Hostile chunk records")
struct HostileChunkTests {
    static func chunk(id: String = "x", index: String?, count: String?, total: String?, value: Int = 10) -> EnvelopeRecord {
        var headers = [HeaderField(name: EnvelopeChunker.idHeader, value: id)]
        if let index { headers.append(HeaderField(name: EnvelopeChunker.indexHeader, value: index)) }
        if let count { headers.append(HeaderField(name: EnvelopeChunker.countHeader, value: count)) }
        if let total { headers.append(HeaderField(name: EnvelopeChunker.totalBytesHeader, value: total)) }
        return EnvelopeRecord(headers: headers, value: ByteBuffer(repeating: UInt8(ascii: "a"), count: value))
    }

    static let maxEnvelope = 1_000_000

    @Test("chunk headers that no producer writes are refused before any allocation", arguments: [
        ("count 1, total 5 GB (the reported crash)", chunk(index: "0", count: "1", total: "5000000000")),
        ("total over the envelope limit", chunk(index: "0", count: "2", total: "1000001")),
        ("total past Int64", chunk(index: "0", count: "2", total: "99999999999999999999999")),
        ("negative total", chunk(index: "0", count: "2", total: "-1")),
        ("count 0", chunk(index: "0", count: "0", total: "10")),
        ("count past the bytes", chunk(index: "0", count: "11", total: "10")),
        ("absurd count", chunk(index: "0", count: "9223372036854775807", total: "10")),
        ("index at count", chunk(index: "2", count: "2", total: "20")),
        ("negative index", chunk(index: "-1", count: "2", total: "20")),
        ("index not a number", chunk(index: "zero", count: "2", total: "20")),
        ("missing index", chunk(index: nil, count: "2", total: "20")),
        ("missing count", chunk(index: "0", count: nil, total: "20")),
        ("missing total", chunk(index: "0", count: "2", total: nil)),
        ("value larger than total", chunk(index: "0", count: "2", total: "5", value: 6)),
        ("empty value in a set", chunk(index: "0", count: "2", total: "20", value: 0)),
        ("empty id", chunk(id: "", index: "0", count: "2", total: "20")),
        ("id of 10 KB", chunk(id: String(repeating: "i", count: 10_000), index: "0", count: "2", total: "20")),
    ])
    func refused(_ name: String, _ record: EnvelopeRecord) {
        var reassembler = ChunkReassembler<Int>(maxEnvelopeBytes: Self.maxEnvelope)
        #expect(throws: EnvelopeError.self, "\(name)") { _ = try reassembler.add(record, at: 0) }
        #expect(reassembler.heldBytes == 0)
    }

    @Test("a whole envelope over the limit is refused")
    func oversizeEnvelope() {
        var reassembler = ChunkReassembler<Int>(maxEnvelopeBytes: 1024)
        let record = EnvelopeRecord(headers: [], value: ByteBuffer(repeating: 0x20, count: 2048))
        #expect { _ = try reassembler.add(record, at: 0) } throws: { ($0 as? EnvelopeError)?.code == .oversize }
    }

    @Test("chunks that take a set past its announced total are refused; a complete set that does not add up is given up, not lost")
    func inconsistentSizes() throws {
        var reassembler = ChunkReassembler<Int>(maxEnvelopeBytes: Self.maxEnvelope)
        _ = try reassembler.add(Self.chunk(index: "0", count: "2", total: "15", value: 10), at: 0)
        #expect(throws: EnvelopeError.self) { _ = try reassembler.add(Self.chunk(index: "1", count: "2", total: "15", value: 10), at: 1) }
        guard case .pending = try reassembler.add(Self.chunk(index: "1", count: "2", total: "15", value: 4), at: 2) else {
            Issue.record("a set 1 byte short was assembled"); return
        }
        let givenUp = reassembler.takeGivenUp()
        #expect(givenUp.count == 1)
        #expect(givenUp.first?.positions == [0, 2])
        #expect(givenUp.first?.chunks.map(\.readableBytes) == [10, 4])
        #expect(reassembler.heldBytes == 0)
    }

    @Test("one budget across reassemblers: many small sets with large headers stay within bytes and set count")
    func sharedBudget() throws {
        let budget = ChunkMemoryBudget(maxBytes: 200_000, maxSets: 50)
        var partitions = (0..<4).map { _ in ChunkReassembler<Int>(maxEnvelopeBytes: Self.maxEnvelope, budget: budget) }
        let bigHeader = HeaderField(name: "padding", value: String(repeating: "h", count: 4_000))
        var givenUp = 0
        for setNumber in 0..<400 {
            var record = Self.chunk(id: "set-\(setNumber)", index: "0", count: "2", total: "20")
            record.headers.append(bigHeader)
            _ = try partitions[setNumber % 4].add(record, at: setNumber)
            #expect(budget.heldBytes <= 200_000)
            #expect(budget.heldSets <= 50)
        }
        for index in partitions.indices { givenUp += partitions[index].takeGivenUp().count }
        let pending = partitions.reduce(0) { $0 + $1.pendingPositions.count }
        #expect(givenUp + pending == 400)
        #expect(pending <= 50)
        #expect(givenUp > 0)
    }

    @Test("released with its reassembler: a revoked partition frees its share")
    func releasedOnDeinit() throws {
        let budget = ChunkMemoryBudget(maxBytes: 1_000_000, maxSets: 10)
        do {
            var reassembler = ChunkReassembler<Int>(maxEnvelopeBytes: Self.maxEnvelope, budget: budget)
            _ = try reassembler.add(Self.chunk(index: "0", count: "2", total: "20"), at: 0)
            #expect(budget.heldSets == 1)
        }
        #expect(budget.heldSets == 0)
        #expect(budget.heldBytes == 0)
    }

    @Test("random chunk headers (fixed seed) never trap and never hold more than the budget")
    func randomHeaders() {
        var generator = SplitMix64(seed: 0x5eed_1234)
        let budget = ChunkMemoryBudget(maxBytes: 100_000, maxSets: 20)
        var reassembler = ChunkReassembler<Int>(maxEnvelopeBytes: 50_000, budget: budget)
        let numbers = ["0", "1", "2", "3", "-1", "7", "50000", "50001", "4294967296", "9223372036854775807", "99999999999999999999", "", "x", " 1"]
        for offset in 0..<5_000 {
            let pick = { numbers[Int(generator.next() % UInt64(numbers.count))] }
            let record = Self.chunk(id: "id-\(generator.next() % 40)", index: pick(), count: pick(), total: pick(), value: Int(generator.next() % 300))
            _ = try? reassembler.add(record, at: offset)
            _ = reassembler.takeGivenUp()
            #expect(budget.heldBytes <= 100_000)
        }
    }
}
