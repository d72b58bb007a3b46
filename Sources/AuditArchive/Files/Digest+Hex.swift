import Crypto
import NIOCore

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// SHA-256 as archives record it: lowercase hex.
public enum ArchiveDigest {
    /// The lowercase hex SHA-256 of `buffer`'s readable bytes (the form of a body's `sha256`).
    public static func sha256(_ buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { SHA256.hash(data: $0).hexString }
    }

    /// The size and lowercase hex SHA-256 of the file at `path`, read in chunks.
    static func sha256(ofFileAt path: String) throws(ArchiveError) -> (bytes: Int, sha256: String) {
        var hasher = SHA256()
        var bytes = 0
        try ArchiveFile.readChunks(path, chunkSize: 1 << 20) { chunk in
            hasher.update(bufferPointer: chunk)
            bytes += chunk.count
        }
        return (bytes, hasher.finalize().hexString)
    }
}
