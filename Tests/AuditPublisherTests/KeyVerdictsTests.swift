import TestSupport
import Testing

@testable import AuditPublisher

/// The per-body cache of key verdicts tells keys apart by length, first eight bytes and the rest:
/// keys that share a head, or are prefixes of each other, never borrow each other's verdict.
@Suite("Key verdicts")
struct KeyVerdictsTests {
    @Test("keys alike in length or first eight bytes keep their own verdicts; keys past the bounds are not kept")
    func verdicts() {
        let alphabet = Array("ab_-".utf8)
        var random = SplitMix64(seed: 64)
        for _ in 0..<500 {
            var cache = KeyVerdicts()
            var truth: [[UInt8]: Bool] = [:]
            for _ in 0..<200 {
                // Short alphabets and a shared head make collisions of length and head common.
                let stem = Array("password".utf8).prefix(Int(random.next() % 9))
                let tail = (0..<Int(random.next() % 4)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
                let key = Array(stem) + tail
                // Read as the scan reads it: one word from the document around the key, or the
                // key's own bytes where the document ends within eight bytes of its start.
                let document = [UInt8(ascii: "\"")] + key + Array(#"":1,"x":2}"#.utf8).prefix(1 + Int(random.next() % 10))
                let wordHead = document.withUnsafeBytes { KeyVerdicts.head(of: $0, start: 1, count: key.count) }
                #expect(wordHead == key.withUnsafeBytes { KeyVerdicts.head(of: $0) })
                let cached = key.withUnsafeBytes { cache.verdict(for: $0, head: wordHead) }
                if let cached {
                    #expect(cached == truth[key], "\(String(decoding: key, as: UTF8.self))")
                } else {
                    let verdict = random.next() % 2 == 0
                    truth[key] = truth[key] ?? verdict
                    key.withUnsafeBytes { cache.record(truth[key] ?? verdict, for: $0, head: wordHead) }
                }
            }
        }
        var cache = KeyVerdicts()
        let long = [UInt8](repeating: UInt8(ascii: "k"), count: KeyVerdicts.maximumKeyBytes + 1)
        let head = long.withUnsafeBytes { KeyVerdicts.head(of: $0) }
        long.withUnsafeBytes { cache.record(true, for: $0, head: head) }
        #expect(long.withUnsafeBytes { cache.verdict(for: $0, head: head) } == nil, "a key longer than the bound is matched every time")
    }
}
