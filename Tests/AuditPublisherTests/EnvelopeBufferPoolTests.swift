import AuditEnvelope
import HTTPTypes
import NIOCore
import TestSupport
import Testing

@testable import AuditCapture
@testable import AuditPublisher

@Suite("Envelope buffer pool")
struct EnvelopeBufferPoolTests {
    private static func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytesWithStorageManagement { _, storage in UnsafeRawPointer(storage.toOpaque()) }
    }

    private static func filled(_ pool: EnvelopeBufferPool, bytes: Int, with byte: UInt8) -> ByteBuffer {
        var buffer = pool.take(minimumCapacity: bytes)
        buffer.writeRepeatingByte(byte, count: bytes)
        return buffer
    }

    @Test("a recycled buffer is handed out again, empty, with its storage; the smallest that fits is chosen")
    func reuse() {
        let pool = EnvelopeBufferPool()
        // Nobody else holds them once recycled (a holder would make reuse copy, see noAliasing).
        func recycled(bytes: [Int]) -> [UnsafeRawPointer?] {
            let buffers = bytes.map { Self.filled(pool, bytes: $0, with: 1) }
            for buffer in buffers { pool.recycle(buffer) }
            return buffers.map(Self.address)
        }
        let storages = recycled(bytes: [2 << 20, 512 << 10])
        let (largeStorage, smallStorage) = (storages[0], storages[1])
        #expect(pool.idleBytes >= (2 << 20) + (512 << 10))
        let again = pool.take(minimumCapacity: 300 << 10)
        #expect(again.readableBytes == 0)
        #expect(Self.address(again) == smallStorage, "the smallest idle buffer that fits")
        let next = pool.take(minimumCapacity: 1 << 20)
        #expect(Self.address(next) == largeStorage)
        #expect(pool.idleBytes == 0)
        let fresh = pool.take(minimumCapacity: 1 << 20)
        #expect(Self.address(fresh) != largeStorage && Self.address(fresh) != smallStorage, "none idle: a new one")
    }

    @Test("slices, small buffers, oversized buffers and buffers past the idle bound are not kept")
    func refusals() {
        let pool = EnvelopeBufferPool(maxIdleBytes: 3 << 20, maxBufferBytes: 2 << 20)
        let whole = Self.filled(pool, bytes: 1 << 20, with: 3)
        let cases: [(String, ByteBuffer)] = [
            ("a slice of a larger buffer", whole.getSlice(at: 0, length: 512 << 10)!),
            ("a buffer under the minimum", Self.filled(pool, bytes: 64 << 10, with: 4)),
            ("a buffer over the largest kept", Self.filled(pool, bytes: 3 << 20, with: 5)),
        ]
        for (name, buffer) in cases {
            pool.recycle(buffer)
            #expect(pool.idleBytes == 0, "\(name)")
        }
        let (second, third) = (Self.filled(pool, bytes: 1 << 20, with: 6), Self.filled(pool, bytes: 2 << 20, with: 7))
        pool.recycle(whole)
        pool.recycle(second)
        let kept = pool.idleBytes
        pool.recycle(third)
        #expect(kept == whole.capacity + second.capacity && pool.idleBytes == kept, "a third buffer would pass the 3 MiB bound")
        let none = EnvelopeBufferPool(maxIdleBytes: 0)
        none.recycle(Self.filled(none, bytes: 1 << 20, with: 8))
        #expect(none.idleBytes == 0)
    }

    @Test("a buffer recycled while someone still holds it is never written under them: reuse gets new storage")
    func noAliasing() {
        let pool = EnvelopeBufferPool()
        let held = Self.filled(pool, bytes: 1 << 20, with: 0xAB)
        pool.recycle(held)
        var reused = pool.take(minimumCapacity: 1 << 20)
        reused.writeRepeatingByte(0xCD, count: 1 << 20)
        #expect(Self.address(reused) != Self.address(held))
        #expect(held.readableBytesView.allSatisfy { $0 == 0xAB }, "the holder's bytes are unchanged")
    }

    @Test("envelopes built with a pool, over and over with seeded random bodies, are byte for byte the ones built without")
    func pooledEnvelopesMatchFresh() throws {
        var random = SplitMix64(seed: 25)
        let configuration = PublisherConfiguration()
        let pool = EnvelopeBufferPool()
        let pooled = EnvelopeBuilder(configuration: configuration, pool: pool)
        let fresh = EnvelopeBuilder(configuration: configuration)
        for round in 0..<40 {
            let exchange = Self.exchange(random: &random)
            let envelope = pooled.envelope(for: exchange, producer: "p", sequence: Int64(round + 1))
            let expected = fresh.envelope(for: exchange, producer: "p", sequence: Int64(round + 1))
            #expect(envelope == expected, "round \(round)")
            _ = try envelope.record()
            if round % 3 != 0 { pool.recycle(envelope.data) }
        }
        #expect(pool.idleBytes > 0, "bodies were joined and envelopes encoded in recycled buffers")
    }

    /// An exchange whose bodies arrive in several chunks of JSON (sometimes with a field to
    /// redact, sometimes cut by the limit) of up to 1 MiB.
    private static func exchange(random: inout SplitMix64) -> CapturedExchange {
        func body() -> CapturedBody {
            let tee = BodyTee(limit: Int.random(in: 200_000...1_200_000, using: &random))
            let fields = Int.random(in: 1...4000, using: &random)
            var text = "{"
            for index in 0..<fields {
                let key = Bool.random(using: &random) && index % 97 == 0 ? "password" : "k\(index)"
                text += (index > 0 ? "," : "") + "\"\(key)\":\"" + String(repeating: "v", count: Int.random(in: 0...300, using: &random)) + "\""
            }
            text += "}"
            var bytes = ByteBuffer(string: text)
            while bytes.readableBytes > 0 {
                tee.append(bytes.readSlice(length: min(bytes.readableBytes, Int.random(in: 1...40_000, using: &random)))!)
            }
            tee.complete()
            return tee.snapshot()
        }
        return CapturedExchange(
            exchangeID: UUIDv7.generate(), requestID: "r", route: "/api/**", method: "POST", target: "/api/x", path: "/api/x",
            requestHeaders: [.contentType: "application/json"], requestBody: body(), status: 200,
            responseHeaders: [.contentType: "application/json"], responseBody: body(),
            outcome: .completed, outcomeDetail: nil, clientAddress: "127.0.0.1",
            timings: ExchangeTimings(start: 1, firstResponseByte: 2, end: 3)
        )
    }
}
