import CLibCrypto

/// HMAC-SHA256 (RFC 2104) from the system's libcrypto: keyed digests of bodies that only holders
/// of the key can compute or check.
public enum HMACSHA256 {
    /// The 32-byte HMAC-SHA256 of `message` under `key`.
    public static func authenticationCode(of message: [UInt8], key: [UInt8]) -> SHA256Digest {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                _ = HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count), messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                         messageBytes.count, &output, &length)
            }
        }
        return SHA256Digest(computed: output)
    }
}
