import AuditCapture
import AuditEnvelope
import HTTPTypes
import NIOCore
import TestSupport
import Testing

@testable import AuditPublisher

@Suite("Exchanges spilled to the spool as captured")
struct SpooledExchangeTests {
    static func body(_ text: String, chunks: Int = 1, size: Int? = nil, truncated: Bool = false, complete: Bool = true, digest: Bool = false) -> CapturedBody {
        let bytes = Array(text.utf8)
        let step = max(1, (bytes.count + chunks - 1) / max(1, chunks))
        let parts = stride(from: 0, to: bytes.count, by: step).map { ByteBuffer(bytes: bytes[$0..<min(bytes.count, $0 + step)]) }
        return CapturedBody(chunks: parts, size: size ?? bytes.count, truncated: truncated, truncatedReason: truncated ? "capture_limit" : nil,
                            isComplete: complete, wholeBodyDigest: digest ? SHA256Digest(bytes: Array(repeating: 0xAB, count: 32)) : nil)
    }

    static func exchange(status: Int? = 200, sequence: Int64? = 7, detail: String? = nil, client: String? = "127.0.0.1",
                         request: CapturedBody, response: CapturedBody, firstByte: Int64? = 20) -> CapturedExchange {
        CapturedExchange(
            exchangeID: "0190f0e0-0000-7000-8000-000000000001", requestID: "req-é-1", route: "/api/**", method: "POST",
            target: "/api/x?y=1&z=%20", path: "/api/x",
            requestHeaders: [.contentType: "application/json", .authorization: "Bearer secret", HTTPField.Name("X-Tenant")!: "t1"],
            requestBody: request, status: status, responseHeaders: [.setCookie: "a=b", .setCookie: "c=d"], responseBody: response,
            outcome: status == nil ? .upstreamUnavailable : .completed, outcomeDetail: detail, clientAddress: client,
            timings: ExchangeTimings(start: 10, firstResponseByte: firstByte, end: 30), sequence: sequence
        )
    }

    /// What the envelope builder reads of an exchange, compared field by field.
    static func summary(_ exchange: CapturedExchange) -> [String] {
        func describe(_ body: CapturedBody) -> String {
            "\(String(buffer: body.joined()))|\(body.size)|\(body.truncated)|\(body.truncatedReason ?? "-")|\(body.isComplete)|\(body.sha256().hex)"
        }
        return [
            exchange.exchangeID, exchange.requestID, exchange.route, exchange.method, exchange.target, exchange.path,
            exchange.requestHeaders.map { "\($0.name.rawName)=\($0.value)" }.joined(separator: ","), describe(exchange.requestBody),
            "\(exchange.status.map(String.init) ?? "-")", exchange.responseHeaders.map { "\($0.name.rawName)=\($0.value)" }.joined(separator: ","),
            describe(exchange.responseBody), exchange.outcome.name, exchange.outcomeDetail ?? "-", exchange.clientAddress ?? "-",
            "\(exchange.timings)", "\(exchange.sequence.map(String.init) ?? "-")",
        ]
    }

    static let cases: [(String, CapturedExchange)] = [
        ("plain JSON both ways", exchange(request: body(#"{"a":1}"#), response: body(#"{"ok":true}"#))),
        ("bodies in several chunks", exchange(request: body(String(repeating: "x", count: 10_000), chunks: 7), response: body("yz", chunks: 2))),
        ("empty bodies, no status, no sequence, no first byte", exchange(status: nil, sequence: nil, detail: "connect refused", client: nil,
                                                                         request: .empty, response: .empty, firstByte: nil)),
        ("a truncated request with its whole-body digest", exchange(request: body("{\"k\":", size: 1 << 30, truncated: true, digest: true),
                                                                    response: body("", complete: false))),
        ("extreme numbers", exchange(status: 999, sequence: .max, request: body("a", size: Int.max), response: body("b"))),
    ]

    @Test("an exchange comes back as it was captured", arguments: cases.map(\.0))
    func roundTrip(name: String) throws {
        let exchange = try #require(Self.cases.first { $0.0 == name }?.1)
        let entry = SpooledExchange.entry(for: exchange, key: "t1")
        #expect(SpooledExchange.isSpooledExchange(entry))
        #expect(String(buffer: entry.key) == "t1")
        #expect(entry.record.header("ce_id") == exchange.exchangeID)
        #expect(AuditPublisher.sequence(of: entry) == exchange.sequence)
        let decoded = try #require(SpooledExchange.exchange(from: entry))
        #expect(Self.summary(decoded) == Self.summary(exchange))
    }

    @Test("an entry framed and scanned back from a segment still decodes (the spool's checksum covers it)")
    func throughFraming() throws {
        let exchange = Self.exchange(request: Self.body(#"{"a":[1,2,3]}"#, chunks: 3), response: Self.body("done"))
        let frame = SpoolFraming.frame(SpooledExchange.entry(for: exchange, key: "k"))
        var file = ByteBuffer(bytes: SpoolFraming.fileHeader)
        file.writeImmutableBuffer(frame.head)
        file.writeImmutableBuffer(frame.value)
        let scanned = SpoolFraming.scan(file)
        #expect(scanned.damaged == 0)
        let decoded = try #require(scanned.entries.first.flatMap(SpooledExchange.exchange(from:)))
        #expect(Self.summary(decoded) == Self.summary(exchange))
    }

    @Test("built envelopes are not taken for spooled exchanges")
    func builtEntry() {
        let built = SpoolEntry(key: ByteBuffer(string: "k"), record: EnvelopeRecord(headers: [HeaderField(name: "ce_id", value: "x")], value: ByteBuffer(string: "{}")))
        #expect(!SpooledExchange.isSpooledExchange(built))
    }

    @Test("a planted or damaged value is refused, never trusted: every cut, and bounded random bytes flipped (seeded)")
    func hostileValues() throws {
        let exchange = Self.exchange(request: Self.body(#"{"a":1}"#), response: Self.body("ok"))
        let entry = SpooledExchange.entry(for: exchange, key: "k")
        let bytes = Array(entry.record.value.readableBytesView)
        for cut in 0..<bytes.count {
            var cutEntry = entry
            cutEntry.record.value = ByteBuffer(bytes: bytes[0..<cut])
            #expect(SpooledExchange.exchange(from: cutEntry) == nil, "cut at \(cut) of \(bytes.count)")
        }
        var extra = entry
        extra.record.value.writeInteger(UInt8(0))
        #expect(SpooledExchange.exchange(from: extra) == nil, "trailing bytes")

        var generator = SplitMix64(seed: 0x5F00_1ED)
        var decodedCount = 0
        for _ in 0..<2_000 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            var planted = entry
            planted.record.value = ByteBuffer(bytes: mutated)
            if let decoded = SpooledExchange.exchange(from: planted) {
                decodedCount += 1
                #expect(decoded.requestBody.chunks.reduce(0) { $0 + $1.readableBytes } <= decoded.requestBody.size)
                #expect(decoded.status.map { (100...999).contains($0) } ?? true)
            }
        }
        #expect(decodedCount < 2_000, "most flips land in a length, a flag or a name and are refused")

        // A well-formed start, then a header count of 2^32 - 1 with nothing after it.
        var counted = ByteBuffer(bytes: [1])
        for text in ["a", "a", "a", "a", "a", "a", "completed"] {
            counted.writeInteger(UInt32(text.utf8.count))
            counted.writeString(text)
        }
        counted.writeBytes([0, 0, 0, 0])
        counted.writeInteger(Int64(1))
        counted.writeInteger(UInt8(0))
        counted.writeInteger(Int64(2))
        counted.writeInteger(UInt32.max)
        var planted = entry
        planted.record.value = counted
        #expect(SpooledExchange.exchange(from: planted) == nil, "a header count with no headers behind it")
    }
}
