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
        #expect(body.sha256Hex() == Self.hex(Array("hello world".utf8)))
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
        #expect(body.sha256Hex() == Self.hex(bytes))
    }

    @Test("a limit of zero keeps nothing but still hashes")
    func zeroLimit() {
        let tee = BodyTee(limit: 0)
        tee.append(ByteBuffer(string: "abc"))
        let body = tee.snapshot()
        #expect(body.joined().readableBytes == 0)
        #expect(body.truncated)
        #expect(body.sha256Hex() == Self.hex(Array("abc".utf8)))
    }
}
