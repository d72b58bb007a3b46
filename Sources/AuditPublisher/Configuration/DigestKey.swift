import AuditEnvelope
import Foundation

/// The secret key of keyed body digests (`hmacSha256` in envelopes): HMAC-SHA256 of each body's
/// SHA-256. Whoever holds it can prove which body was exchanged, even when the stored one is
/// redacted; without it, a digest reveals nothing and guesses at a redacted value cannot be
/// checked against it.
public struct DigestKey: Sendable {
    /// The fewest key bytes accepted.
    public static let minimumBytes = 32

    let bytes: [UInt8]

    /// A key of raw bytes.
    /// - Throws: ``Invalid`` when shorter than ``minimumBytes``.
    public init(bytes: [UInt8]) throws(Invalid) {
        guard bytes.count >= Self.minimumBytes else {
            throw Invalid(reason: "a digest key needs at least \(Self.minimumBytes) bytes (got \(bytes.count)); make one with: head -c 32 /dev/urandom > digest.key")
        }
        self.bytes = bytes
    }

    /// The key in a file: its bytes as they are (at most 4 KiB; symlinks are followed, for
    /// Kubernetes Secrets; anything but a regular file, such as a FIFO that would block the
    /// start, is refused).
    /// - Throws: ``Invalid`` naming the file.
    public init(contentsOfFile path: String) throws(Invalid) {
        let data: Data
        do {
            data = try SmallFile.read(path, maximumBytes: 4096)
        } catch {
            throw Invalid(reason: error.kind == .tooLarge(maximumBytes: 4096) ? "\(error): not a key file" : error.description)
        }
        do {
            try self.init(bytes: Array(data))
        } catch {
            throw Invalid(reason: "\(path): \(error.reason)")
        }
    }

    /// The keyed digest of a body whose SHA-256 is `digest`.
    func authenticate(_ digest: SHA256Digest) -> String {
        HMACSHA256.authenticationCode(of: digest.bytes, key: bytes).hex
    }

    /// Why a key was refused.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }
}
