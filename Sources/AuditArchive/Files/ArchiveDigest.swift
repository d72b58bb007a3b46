import AuditEnvelope
import NIOCore

/// SHA-256 as archives record it: lowercase hex.
public enum ArchiveDigest {
    /// The lowercase hex SHA-256 of `buffer`'s readable bytes (the form of a body's `sha256`).
    public static func sha256(_ buffer: ByteBuffer) -> String {
        buffer.withUnsafeReadableBytes { SHA256Hasher.hash($0).hex }
    }

    /// The size and lowercase hex SHA-256 of the file at `path`, read in chunks.
    static func sha256(ofFileAt path: String) throws(ArchiveError) -> (bytes: Int, sha256: String) {
        var hasher = SHA256Hasher()
        var bytes = 0
        try ArchiveFile.readChunks(path, chunkSize: 1 << 20) { chunk in
            hasher.update(bufferPointer: chunk)
            bytes += chunk.count
        }
        return (bytes, hasher.finalize().hex)
    }
}
