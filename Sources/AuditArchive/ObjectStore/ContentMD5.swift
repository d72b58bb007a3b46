import AuditEnvelope
import CLibCrypto
import NIOCore

/// The hex MD5 of an object's bytes: what S3 gives as the entity tag of a single-part upload, so
/// a writer can tell whether an existing object holds the bytes it meant to upload. Never used
/// for integrity (the manifests' SHA-256 is).
enum ContentMD5 {
    /// The lowercase hex MD5 of `bytes`.
    static func hex(_ bytes: ByteBuffer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeReadableBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &digest, &length, EVP_md5(), nil)
        }
        guard ok == 1 else { return "" }
        return HexEncoding.lowercase(digest.prefix(Int(length)))
    }
}
