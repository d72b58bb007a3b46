/// A SHA-256 digest, as `SHA256Hasher` returns it.
public struct SHA256Digest: Sendable, Hashable {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// Lowercase hexadecimal, 64 characters: the form envelopes and manifests record.
    public var hex: String { HexEncoding.lowercase(bytes) }
}
