import AuditEnvelope
import Foundation
import NIOCore
import Testing

/// Drop notices and marks as the topic carries them: their `data` round-trips with and without a
/// signature, the signed bytes leave the signature out, and malformed ones are refused.
@Suite("Producer events: drop notices and marks")
struct ProducerEventTests {
    /// A signer that signs with a fixed pattern: these tests are about the encoding, the
    /// Ed25519 signatures are tested with the keys (ReconciliationTests, SigningTests).
    struct PatternSigner: EventSigner {
        var keyID = "00112233445566ff"
        func signature(of message: ByteBuffer) throws -> [UInt8] { Array(repeating: UInt8(message.readableBytes % 251), count: 64) }
    }

    @Test("a mark and a notice round-trip signed and unsigned; what is signed is the data without its signature")
    func roundTrips() throws {
        let mark = ProducerMark(producer: "p-\"1\"", highestSequence: 41, time: 1_795_258_073_123_456)
        #expect(try ProducerMark.decode(mark.encoded()) == mark)
        let signedMark = try mark.signed(by: PatternSigner())
        #expect(signedMark.signature?.keyID == "00112233445566ff" && signedMark.signature?.algorithm == "ed25519")
        #expect(try ProducerMark.decode(signedMark.encoded()) == signedMark)
        #expect(signedMark.signedBytes() == mark.encoded())
        #expect(String(buffer: signedMark.encoded()).contains("\"signature\":{"))
        #expect(!String(buffer: signedMark.signedBytes()).contains("signature"))

        let notice = DropNotice(producer: "p1", firstSequence: 3, lastSequence: 9, reason: "queue_full", time: 1_795_258_073_000_001)
        let signedNotice = try notice.signed(by: PatternSigner())
        #expect(try DropNotice.decode(signedNotice.encoded()) == signedNotice)
        #expect(try DropNotice.decode(signedNotice.encoded()).signedBytes() == notice.encoded())
        #expect(try DropNotice.decode(notice.encoded()).signature == nil)

        let envelope = signedMark.envelope(source: "test")
        #expect(envelope.type == ProducerMark.eventType && envelope.time == mark.time)
    }

    @Test("malformed marks are refused", arguments: [
        "", "{}", "[]",
        #"{"specVersion":1,"producer":"p","time":"2026-12-04T00:00:00Z"}"#,
        #"{"specVersion":1,"producer":"p","highestSequence":-1,"time":"2026-12-04T00:00:00Z"}"#,
        #"{"specVersion":1,"producer":"p","highestSequence":"5","time":"2026-12-04T00:00:00Z"}"#,
        #"{"specVersion":1,"producer":"p","highestSequence":5,"time":"yesterday"}"#,
        #"{"specVersion":1,"highestSequence":5,"time":"2026-12-04T00:00:00Z"}"#,
        #"{"specVersion":1,"producer":"p","highestSequence":5,"time":"2026-12-04T00:00:00Z","signature":{"keyID":"k"}}"#,
        #"{"specVersion":1,"producer":"p","highestSequence":5,"time":"2026-12-04T00:00:00Z","signature":"abc"}"#,
    ])
    func malformedMarks(_ text: String) {
        #expect(throws: EnvelopeError.self) { _ = try ProducerMark.decode(ByteBuffer(string: text)) }
    }
}
