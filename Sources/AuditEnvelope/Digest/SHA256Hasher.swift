import CLibCrypto

/// SHA-256 fed incrementally, computed by the system's libcrypto.
///
/// A value type: copying a hasher copies its state, so a copy can be finished while the original
/// goes on hashing.
public struct SHA256Hasher: Sendable {
    private var context = SHA256_CTX()

    /// A hasher that has seen no bytes.
    public init() {
        SHA256_Init(&context)
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256Hasher()
        hasher.update(bufferPointer: bytes)
        return hasher.finalize()
    }

    /// Feeds `bytes` to the hash.
    public mutating func update(bufferPointer bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        SHA256_Update(&context, base, bytes.count)
    }

    /// The digest of every byte fed so far. The hasher itself is left as it was.
    public func finalize() -> SHA256Digest {
        var context = self.context
        var bytes = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        SHA256_Final(&bytes, &context)
        return SHA256Digest(computed: bytes)
    }
}
