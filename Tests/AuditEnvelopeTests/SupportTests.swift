import AuditEnvelope
import Foundation
import Testing

@Suite("Time and identifiers")
struct SupportTests {
    @Test("RFC 3339 formatting matches known instants")
    func formatsKnownInstants() {
        #expect(RFC3339.format(microseconds: 0) == "1970-01-01T00:00:00.000000Z")
        #expect(RFC3339.format(microseconds: 951_782_400_000_001) == "2000-02-29T00:00:00.000001Z")
        #expect(RFC3339.format(microseconds: -1) == "1969-12-31T23:59:59.999999Z")
        #expect(RFC3339.format(microseconds: 1_795_258_073_516_123) == "2026-11-21T10:47:53.516123Z")
    }

    @Test("RFC 3339 parsing round-trips and agrees with Foundation")
    func roundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<500 {
            let micros = Int64.random(in: 0..<4_102_444_800_000_000, using: &generator)
            let text = RFC3339.format(microseconds: micros)
            #expect(RFC3339.parse(text) == micros)
            let date = try #require(formatter.date(from: text))
            #expect(abs(date.timeIntervalSince1970 * 1_000_000 - Double(micros)) < 1000)
        }
        #expect(RFC3339.parse("2026-11-21T12:47:53+02:00") == 1_795_258_073_000_000)
        #expect(RFC3339.parse("2026-11-21T10:47:53.5Z") == 1_795_258_073_500_000)
        #expect(RFC3339.parse("2026-11-21 10:47:53Z") == nil)
        #expect(RFC3339.parse("2026-13-21T10:47:53Z") == nil)
        #expect(RFC3339.parse("yesterday") == nil)
    }

    @Test("UUIDv7 carries version 7, the RFC variant and the time in its first 48 bits")
    func uuidV7() {
        var generator = SystemRandomNumberGenerator()
        let id = UUIDv7.generate(unixMilliseconds: 0x0123_4567_89AB, using: &generator)
        #expect(id.hasPrefix("01234567-89ab-7"))
        #expect(UUIDv7.isValid(id))
        #expect(UUID(uuidString: id) != nil)
        #expect(!UUIDv7.isValid(UUID().uuidString))
        let ids = (0..<100).map { _ in UUIDv7.generate() }
        #expect(Set(ids).count == 100)
        let earlier = UUIDv7.generate(unixMilliseconds: 1_000, using: &generator)
        let later = UUIDv7.generate(unixMilliseconds: 2_000, using: &generator)
        #expect(earlier < later)
    }
}
