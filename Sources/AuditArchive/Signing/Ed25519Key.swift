import AuditEnvelope
import CLibCrypto

/// Ed25519 through the system's libcrypto (EVP): raw 32-byte keys kept as values, turned into an
/// `EVP_PKEY` only for the one operation that needs it, so that key types stay plain `Sendable`
/// values.
enum Ed25519 {
    static let keyBytes = 32
    static let signatureBytes = 64

    /// Runs `body` with an `EVP_PKEY` made from raw key bytes.
    static func withKey<Result>(
        raw: [UInt8],
        isPrivate: Bool,
        _ body: (OpaquePointer) throws(ArchiveError) -> Result
    ) throws(ArchiveError) -> Result {
        let made = raw.withUnsafeBufferPointer { bytes in
            isPrivate
                ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, bytes.baseAddress, bytes.count)
                : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, bytes.baseAddress, bytes.count)
        }
        guard let key = made else { throw failure("libcrypto refused an Ed25519 key") }
        defer { EVP_PKEY_free(key) }
        return try body(key)
    }

    /// The raw public or private bytes of an Ed25519 `EVP_PKEY`.
    static func rawBytes(of key: OpaquePointer, isPrivate: Bool) throws(ArchiveError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: keyBytes)
        var length = keyBytes
        let status = bytes.withUnsafeMutableBufferPointer { buffer in
            isPrivate
                ? EVP_PKEY_get_raw_private_key(key, buffer.baseAddress, &length)
                : EVP_PKEY_get_raw_public_key(key, buffer.baseAddress, &length)
        }
        guard status == 1, length == keyBytes else { throw failure("could not read the raw Ed25519 key") }
        return bytes
    }

    /// Parses a PEM text with libcrypto.
    /// - Throws: ``ArchiveError`` (`invalidKey`) when it holds no Ed25519 key of the kind asked for.
    static func readPEM(_ text: String, isPrivate: Bool) throws(ArchiveError) -> [UInt8] {
        // The memory BIO reads the text in place: everything happens while it is alive.
        let parsed: OpaquePointer? = text.utf8CString.withUnsafeBufferPointer { characters in
            guard let bio = BIO_new_mem_buf(characters.baseAddress, Int32(characters.count - 1)) else { return nil }
            defer { BIO_free(bio) }
            return isPrivate ? PEM_read_bio_PrivateKey(bio, nil, nil, nil) : PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        ERR_clear_error()
        guard let key = parsed else {
            throw ArchiveError(.invalidKey, "not a PEM \(isPrivate ? "private key (PKCS #8)" : "public key (SubjectPublicKeyInfo)")")
        }
        defer { EVP_PKEY_free(key) }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 else {
            throw ArchiveError(.invalidKey, "the PEM key is not an Ed25519 key")
        }
        return try rawBytes(of: key, isPrivate: isPrivate)
    }

    /// The PEM text of a raw key.
    static func writePEM(raw: [UInt8], isPrivate: Bool) throws(ArchiveError) -> String {
        try withKey(raw: raw, isPrivate: isPrivate) { key throws(ArchiveError) in
            guard let bio = BIO_new(BIO_s_mem()) else { throw failure("libcrypto could not allocate a buffer") }
            defer { BIO_free(bio) }
            let written = isPrivate ? PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil) : PEM_write_bio_PUBKEY(bio, key)
            guard written == 1 else { throw failure("libcrypto could not write the key as PEM") }
            var data: UnsafeMutablePointer<CChar>?
            let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
            guard let data, length > 0 else { throw failure("libcrypto wrote an empty PEM") }
            return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        }
    }

    /// A short stable name for a public key: the first 16 hex digits of its SHA-256.
    static func keyID(publicKey: [UInt8]) -> String {
        String(publicKey.withUnsafeBytes { SHA256Hasher.hash($0).hex }.prefix(16))
    }

    static func failure(_ message: String) -> ArchiveError {
        let code = ERR_get_error()
        ERR_clear_error()
        return ArchiveError(.invalidKey, code == 0 ? message : "\(message) (libcrypto error \(code))")
    }
}
