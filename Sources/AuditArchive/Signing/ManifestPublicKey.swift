import CLibCrypto
import NIOCore

/// An Ed25519 public key that manifests are verified with (`audit-archive verify --public-key`).
public struct ManifestPublicKey: Sendable, Hashable {
    private let raw: [UInt8]
    /// The first 16 hex digits of the SHA-256 of the raw key: the id manifests name.
    public let keyID: String

    init(raw: [UInt8]) throws(ArchiveError) {
        guard raw.count == Ed25519.keyBytes else { throw ArchiveError(.invalidKey, "an Ed25519 public key has \(Ed25519.keyBytes) bytes, not \(raw.count)") }
        self.raw = raw
        keyID = Ed25519.keyID(publicKey: raw)
    }

    /// Reads a PEM (SubjectPublicKeyInfo) Ed25519 public key, as `audit-archive keygen` writes it.
    /// - Throws: ``ArchiveError`` (`invalidKey`) when the text holds no Ed25519 public key.
    public init(pem: String) throws(ArchiveError) {
        try self.init(raw: Ed25519.readPEM(pem, isPrivate: false))
    }

    /// Reads a PEM Ed25519 public key file (at most 64 KiB).
    /// - Throws: ``ArchiveError`` (`invalidKey`) naming the file and the problem.
    public init(contentsOfFile path: String) throws(ArchiveError) {
        do {
            try self.init(pem: try PEMFile.read(path))
        } catch {
            throw ArchiveError(.invalidKey, "'\(path)': \(error.reason)")
        }
    }

    /// The key as PEM (SubjectPublicKeyInfo).
    public func pem() throws(ArchiveError) -> String {
        try Ed25519.writePEM(raw: raw, isPrivate: false)
    }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    public func isValidSignature(_ signature: [UInt8], of message: ByteBuffer) -> Bool {
        guard signature.count == Ed25519.signatureBytes else { return false }
        let result = try? Ed25519.withKey(raw: raw, isPrivate: false) { key throws(ArchiveError) -> Bool in
            guard let context = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(context) }
            guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
            let status = message.withUnsafeReadableBytes { bytes in
                signature.withUnsafeBufferPointer { signatureBytes in
                    EVP_DigestVerify(context, signatureBytes.baseAddress, signatureBytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
                }
            }
            return status == 1
        }
        ERR_clear_error()
        return result ?? false
    }
}
