import AuditEnvelope
import Crypto
import Testing

@Suite("SHA-256 from libcrypto")
struct SHA256HasherTests {
    static func digest(_ text: String) -> String {
        Array(text.utf8).withUnsafeBytes { SHA256Hasher.hash($0).hex }
    }

    @Test("FIPS 180-2 test vectors")
    func knownAnswers() {
        #expect(Self.digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Self.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = String(repeating: "a", count: 1_000_000)
        #expect(Self.digest(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("fed in random pieces, it agrees with swift-crypto on random bytes")
    func agreesWithSwiftCrypto() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let bytes = (0..<Int.random(in: 0..<20_000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var hasher = SHA256Hasher()
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 0..<3_000, using: &generator))
                bytes[start..<end].withUnsafeBytes { hasher.update(bufferPointer: $0) }
                start = end
            }
            let reference = Crypto.SHA256.hash(data: bytes)
            #expect(hasher.finalize().bytes == Array(reference))
        }
    }

    @Test("finishing a copy leaves the original hashing on")
    func copiesAreIndependent() {
        var hasher = SHA256Hasher()
        Array("ab".utf8).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        let early = hasher.finalize()
        Array("c".utf8).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        #expect(early.hex == Self.digest("ab"))
        #expect(hasher.finalize().hex == Self.digest("abc"))
        #expect(hasher.finalize() == hasher.finalize())
    }
}
