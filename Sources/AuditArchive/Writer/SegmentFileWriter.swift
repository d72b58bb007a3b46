import AuditEnvelope
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Writes one gzip JSON-lines file: compresses lines as they come, hashes the compressed bytes,
/// and on ``finish()`` ends the gzip stream and fsyncs.
final class SegmentFileWriter {
    /// Where the file is being written.
    let path: String
    /// Bytes of lines given, newlines included.
    private(set) var uncompressedBytes = 0
    /// Bytes written to the file so far (compressed).
    private(set) var compressedBytes = 0
    /// Lines given.
    private(set) var lineCount = 0

    private var descriptor: Int32
    private let deflater: GzipDeflater
    private var hasher = SHA256Hasher()
    private var output = ByteBuffer()

    /// Compressed output gathered before it is written.
    private static let writeThreshold = 256 * 1024

    /// Creates (or truncates) the file at `path` with mode 0640.
    init(path: String, level: Int32) throws(ArchiveError) {
        self.path = path
        deflater = try GzipDeflater(level: level)
        descriptor = try ArchiveFile.create(path)
        output.reserveCapacity(Self.writeThreshold * 2)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Adds one line; a newline is appended.
    func append(line: ByteBuffer) throws(ArchiveError) {
        line.withUnsafeReadableBytes { deflater.compress($0, into: &output) }
        withUnsafeBytes(of: UInt8(ascii: "\n")) { deflater.compress($0, into: &output) }
        uncompressedBytes += line.readableBytes + 1
        lineCount += 1
        if output.readableBytes >= Self.writeThreshold { try flushOutput() }
    }

    /// Ends the stream, fsyncs and closes the file.
    /// - Returns: The file's size and lowercase hex SHA-256.
    func finish() throws(ArchiveError) -> (bytes: Int, sha256: String) {
        deflater.finish(into: &output)
        try flushOutput()
        try ArchiveFile.sync(descriptor, path: path)
        close(descriptor)
        descriptor = -1
        return (compressedBytes, hasher.finalize().hex)
    }

    /// Closes and deletes the file.
    func abandon() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        try? ArchiveFile.remove(path)
    }

    private func flushOutput() throws(ArchiveError) {
        try output.withUnsafeReadableBytes { bytes throws(ArchiveError) in
            hasher.update(bufferPointer: bytes)
            try ArchiveFile.write(descriptor, bytes, path: path)
        }
        compressedBytes += output.readableBytes
        output.clear()
    }
}
