/// A SHA-256 digest, as `SHA256Hasher` returns it.
public struct SHA256Digest: Sendable, Hashable {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// A digest read back from storage: `nil` unless `bytes` are 32.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// A digest a hasher just produced (always 32 bytes).
    init(computed bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Lowercase hexadecimal, 64 characters: the form envelopes and manifests record.
    public var hex: String { HexEncoding.lowercase(bytes) }
}
