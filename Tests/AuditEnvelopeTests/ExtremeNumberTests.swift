import AuditEnvelope
import Foundation
import NIOCore
import TestSupport
import Testing

/// Every number in an envelope or a drop notice comes from whoever can write to the topic: each
/// numeric field gets extreme values (seeded), and decoding either refuses the record or gives
/// values within the bounds the readers rely on; it never traps.
@Suite("Extreme numbers in envelopes and notices")
struct ExtremeNumberTests {
    static let extremes = ["0", "-1", "9223372036854775807", "-9223372036854775808", "18446744073709551615", "9007199254740993", "1e308",
                           "9007199254740991", "1", "-0", "1.5", "99999999999999999999999999"]

    /// `json` with the number at the `index`-th numeric position replaced by `value`.
    static func plant(_ json: String, at index: Int, _ value: String) -> String {
        let pattern = try? NSRegularExpression(pattern: #"(?<=[:\[,])-?[0-9]+(\.[0-9]+)?"#)
        let matches = pattern?.matches(in: json, range: NSRange(json.startIndex..., in: json)) ?? []
        guard matches.indices.contains(index), let range = Range(matches[index].range, in: json) else { return json }
        return json.replacingCharacters(in: range, with: value)
    }

    static func numericFields(_ json: String) -> Int {
        (try? NSRegularExpression(pattern: #"(?<=[:\[,])-?[0-9]+(\.[0-9]+)?"#))?.numberOfMatches(in: json, range: NSRange(json.startIndex..., in: json)) ?? 0
    }

    @Test("exchange records: every numeric field, every extreme value, and seeded combinations")
    func exchangeRecords() {
        let record = ExchangeRecord(
            exchangeID: "0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", requestID: "r", route: "/a", method: "POST", target: "/a", path: "/a", status: 200,
            outcome: .completed, outcomeDetail: nil, clientAddress: nil, traceparent: nil,
            timings: ExchangeTimings(start: 1_795_258_073_516_123, firstResponseByte: 1_795_258_073_517_000, end: 1_795_258_073_520_000),
            request: HTTPMessageRecord(headers: [], body: BodyRecord(size: 2, truncated: false, sha256: String(repeating: "ab", count: 32), contentType: "application/json", contentEncoding: nil, data: ByteBuffer(string: "[1,2]"))),
            response: HTTPMessageRecord(headers: [], body: BodyRecord(size: 0, truncated: false, sha256: String(repeating: "cd", count: 32), contentType: nil, contentEncoding: nil, data: ByteBuffer())),
            redactions: [], producer: "p", sequence: 7
        )
        let json = String(buffer: ExchangeRecordEncoder.encode(record))
        let fields = Self.numericFields(json)
        #expect(fields >= 6, "the fixture has numbers to plant: \(json)")
        func check(_ planted: String) {
            guard let decoded = try? ExchangeRecordDecoder.decode(ByteBuffer(string: planted)) else { return }
            if let sequence = decoded.sequence { #expect(SequenceNumber.valid.contains(sequence), "\(planted)") }
            #expect(decoded.request.body.size >= 0 && decoded.response.body.size >= 0, "\(planted)")
        }
        for index in 0..<fields {
            for value in Self.extremes { check(Self.plant(json, at: index, value)) }
        }
        var random = SplitMix64(seed: 0xE7_7E_E0)
        for _ in 0..<500 {
            var planted = json
            for _ in 0..<3 { planted = Self.plant(planted, at: Int(random.next() % UInt64(fields)), Self.extremes[Int(random.next() % UInt64(Self.extremes.count))]) }
            check(planted)
        }
    }

    @Test("drop notices: sequence ranges outside 1 to 2^53 - 1 are refused", arguments: extremes)
    func dropNotices(_ value: String) {
        let notice = DropNotice(producer: "p", firstSequence: 3, lastSequence: 9, reason: "queue_full", time: 1_795_258_073_000_000)
        let json = String(buffer: notice.encoded())
        for index in 0..<Self.numericFields(json) {
            guard let decoded = try? DropNotice.decode(ByteBuffer(string: Self.plant(json, at: index, value))) else { continue }
            #expect(SequenceNumber.valid.contains(decoded.firstSequence) && SequenceNumber.valid.contains(decoded.lastSequence))
            #expect(decoded.count >= 1)
        }
        #expect((try? DropNotice.decode(notice.encoded())) != nil, "the notice itself decodes")
    }

    @Test("marks: a highest sequence outside 0 to 2^53 - 1 is refused", arguments: extremes)
    func marks(_ value: String) {
        let mark = ProducerMark(producer: "p", highestSequence: 12, time: 1_795_258_073_000_000)
        let json = String(buffer: mark.encoded())
        for index in 0..<Self.numericFields(json) {
            guard let decoded = try? ProducerMark.decode(ByteBuffer(string: Self.plant(json, at: index, value))) else { continue }
            #expect(decoded.highestSequence == 0 || SequenceNumber.valid.contains(decoded.highestSequence), "\(value)")
        }
        #expect((try? ProducerMark.decode(mark.encoded())) == mark, "the mark itself decodes")
    }
}
