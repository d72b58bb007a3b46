import CLibCrypto
import NIOCore

/// The Ed25519 private key `audit-consumer` signs manifests with (`--signing-key`).
public struct ManifestSigningKey: Sendable {
    private let raw: [UInt8]
    /// The matching public key.
    public let publicKey: ManifestPublicKey

    private init(raw: [UInt8]) throws(ArchiveError) {
        self.raw = raw
        let publicRaw = try Ed25519.withKey(raw: raw, isPrivate: true) { key throws(ArchiveError) in try Ed25519.rawBytes(of: key, isPrivate: false) }
        publicKey = try ManifestPublicKey(raw: publicRaw)
    }

    /// A new random key.
    /// - Throws: ``ArchiveError`` (`invalidKey`) when libcrypto has no randomness to give.
    public static func generate() throws(ArchiveError) -> ManifestSigningKey {
        var raw = [UInt8](repeating: 0, count: Ed25519.keyBytes)
        guard raw.withUnsafeMutableBufferPointer({ RAND_bytes($0.baseAddress, Int32($0.count)) }) == 1 else {
            throw Ed25519.failure("libcrypto could not generate random bytes")
        }
        return try ManifestSigningKey(raw: raw)
    }

    /// Reads a PEM (PKCS #8) Ed25519 private key, as `audit-archive keygen` writes it.
    /// - Throws: ``ArchiveError`` (`invalidKey`) when the text holds no Ed25519 private key.
    public init(pem: String) throws(ArchiveError) {
        try self.init(raw: Ed25519.readPEM(pem, isPrivate: true))
    }

    /// Reads a PEM Ed25519 private key file (at most 64 KiB).
    /// - Throws: ``ArchiveError`` (`invalidKey`) naming the file and the problem.
    public init(contentsOfFile path: String) throws(ArchiveError) {
        do {
            try self.init(pem: try PEMFile.read(path))
        } catch {
            throw ArchiveError(.invalidKey, "'\(path)': \(error.reason)")
        }
    }

    /// The key as PEM (PKCS #8), to be stored with mode 0600.
    public func pem() throws(ArchiveError) -> String {
        try Ed25519.writePEM(raw: raw, isPrivate: true)
    }

    /// The key id named in signatures.
    public var keyID: String { publicKey.keyID }

    /// The Ed25519 signature of `message`.
    /// - Throws: ``ArchiveError`` (`invalidKey`) when libcrypto fails to sign.
    public func sign(_ message: ByteBuffer) throws(ArchiveError) -> [UInt8] {
        try Ed25519.withKey(raw: raw, isPrivate: true) { key throws(ArchiveError) in
            guard let context = EVP_MD_CTX_new() else { throw Ed25519.failure("libcrypto could not allocate a signing context") }
            defer { EVP_MD_CTX_free(context) }
            guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1 else { throw Ed25519.failure("libcrypto could not start signing") }
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureBytes)
            var length = signature.count
            let status = message.withUnsafeReadableBytes { bytes in
                signature.withUnsafeMutableBufferPointer { out in
                    EVP_DigestSign(context, out.baseAddress, &length, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
                }
            }
            guard status == 1, length == Ed25519.signatureBytes else { throw Ed25519.failure("libcrypto could not sign") }
            return signature
        }
    }
}
