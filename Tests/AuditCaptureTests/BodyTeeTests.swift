import Crypto
import NIOCore
import Testing

@testable import AuditCapture

@Suite("Body tee")
struct BodyTeeTests {
    static func hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test("below the limit the chunks are kept whole and the hash covers them")
    func belowLimit() {
        let tee = BodyTee(limit: 100)
        tee.append(ByteBuffer(string: "hello "))
        tee.append(ByteBuffer(string: "world"))
        tee.complete()
        let body = tee.snapshot()
        #expect(String(buffer: body.joined()) == "hello world")
        #expect(body.size == 11)
        #expect(!body.truncated)
        #expect(body.isComplete)
        #expect(body.sha256().hex == Self.hex(Array("hello world".utf8)))
    }

    @Test("past the limit the prefix is kept and size and hash still cover every byte")
    func pastLimit() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let tee = BodyTee(limit: 4096)
        for start in stride(from: 0, to: bytes.count, by: 1500) {
            tee.append(ByteBuffer(bytes: bytes[start..<min(start + 1500, bytes.count)]))
        }
        tee.complete()
        let body = tee.snapshot()
        #expect(body.truncated)
        #expect(body.size == 10_000)
        #expect(Array(buffer: body.joined()) == Array(bytes.prefix(4096)))
        #expect(body.sha256().hex == Self.hex(bytes))
    }

    @Test("a limit of zero keeps nothing but still hashes")
    func zeroLimit() {
        let tee = BodyTee(limit: 0)
        tee.append(ByteBuffer(string: "abc"))
        let body = tee.snapshot()
        #expect(body.joined().readableBytes == 0)
        #expect(body.truncated)
        #expect(body.sha256().hex == Self.hex(Array("abc".utf8)))
    }

    @Test("a body sent in tiny chunks is coalesced: a few buffers, counted by capacity")
    func coalescing() {
        let budget = CaptureMemoryBudget(limit: 1 << 20)
        let tee = BodyTee(limit: 1 << 20, budget: budget)
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for byte in bytes { tee.append(ByteBuffer(bytes: [byte])) }
        let body = tee.snapshot()
        #expect(body.chunks.count == 4)
        #expect(Array(buffer: body.joined()) == bytes)
        #expect(body.retainedCapacity == 4 * BodyTee.coalescingCapacity)
        #expect(budget.inUse == body.retainedCapacity)
        tee.releaseBudget()
        tee.releaseBudget()
        #expect(budget.inUse == 0)
    }

    @Test("large chunks are retained without a copy and reserved by their storage capacity")
    func largeChunksRetained() {
        let budget = CaptureMemoryBudget(limit: 1 << 20)
        let tee = BodyTee(limit: 1 << 20, budget: budget)
        var chunk = ByteBufferAllocator().buffer(capacity: 32 * 1024)
        chunk.writeBytes([UInt8](repeating: 1, count: 20_000))
        tee.append(chunk)
        #expect(budget.inUse == chunk.storageCapacity)
        #expect(tee.snapshot().chunks.count == 1)
    }

    @Test("past the memory budget a body is truncated with its reason, and size and hash still cover it")
    func memoryBudget() {
        let budget = CaptureMemoryBudget(limit: 3 * BodyTee.coalescingCapacity)
        let first = BodyTee(limit: 1 << 20, budget: budget)
        let second = BodyTee(limit: 1 << 20, budget: budget)
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        for start in stride(from: 0, to: bytes.count, by: 1000) {
            first.append(ByteBuffer(bytes: bytes[start..<min(start + 1000, bytes.count)]))
        }
        second.append(ByteBuffer(string: "later"))
        let body = first.snapshot()
        #expect(body.truncated)
        #expect(body.truncatedReason == "memoryBudget")
        #expect(body.size == bytes.count)
        #expect(body.joined().readableBytes > 3 * (BodyTee.coalescingCapacity - 1000))
        #expect(Array(buffer: body.joined()) == Array(bytes.prefix(body.joined().readableBytes)))
        #expect(body.sha256().hex == Self.hex(bytes))
        #expect(second.snapshot().truncatedReason == "memoryBudget")
        #expect(second.snapshot().sha256().hex == Self.hex(Array("later".utf8)))
        first.releaseBudget()
        let third = BodyTee(limit: 1 << 20, budget: budget)
        third.append(ByteBuffer(string: "room again"))
        #expect(!third.snapshot().truncated)
    }

    @Test("the capture limit gives its own reason")
    func limitReason() {
        let tee = BodyTee(limit: 10)
        tee.append(ByteBuffer(string: "0123456789abc"))
        #expect(tee.snapshot().truncatedReason == "captureLimit")
    }
}
