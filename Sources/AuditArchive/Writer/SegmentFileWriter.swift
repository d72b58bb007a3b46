import AuditEnvelope
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Writes one gzip JSON-lines file: compresses lines as they come, hashes the compressed bytes,
/// and on ``finish()`` ends the gzip stream and fsyncs.
///
/// With a member size it writes a sequence of gzip members instead of one, each ending at a
/// line's end and decompressible on its own (``members``): lines go into the current member
/// until it holds `memberBytes` before compression, so a line of that size or more has a
/// member to itself and small lines share members of about that size. `zcat` reads the file
/// whole as it reads one member.
final class SegmentFileWriter {
    /// Where the file is being written.
    let path: String
    /// Bytes of lines given, newlines included.
    private(set) var uncompressedBytes = 0
    /// Bytes written to the file so far (compressed).
    private(set) var compressedBytes = 0
    /// Lines given.
    private(set) var lineCount = 0
    /// The members ended so far, in file order (with a member size).
    private(set) var members: [SegmentIndex.Member] = []

    private var descriptor: Int32
    private let deflater: GzipDeflater
    private var hasher = SHA256Hasher()
    private var output = ByteBuffer()
    private let memberBytes: Int?
    /// Where the current member starts in the file, and what it holds so far.
    private var memberStart = 0
    private var memberLines = 0
    private var memberUncompressed = 0

    /// Compressed output gathered before it is written.
    private static let writeThreshold = 256 * 1024

    /// Creates (or truncates) the file at `path` with mode 0640.
    /// - Parameter memberBytes: Uncompressed bytes after which a member ends; `nil`: one member.
    init(path: String, level: Int32, memberBytes: Int? = nil) throws(ArchiveError) {
        self.path = path
        self.memberBytes = memberBytes.map { max(1, $0) }
        deflater = try GzipDeflater(level: level)
        descriptor = try ArchiveFile.create(path)
        output.reserveCapacity(Self.writeThreshold * 2)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// The position in the file of the next compressed byte.
    private var position: Int { compressedBytes + output.readableBytes }

    /// The number of the member the next line goes into (0 for the first).
    var currentMember: Int { members.count }

    /// Adds one line; a newline is appended.
    /// - Returns: The number of the member it went into.
    @discardableResult
    func append(line: ByteBuffer) throws(ArchiveError) -> Int {
        let length = line.readableBytes + 1
        if let memberBytes, memberLines > 0, memberUncompressed + length > memberBytes { endMember() }
        let member = currentMember
        deflater.startMember()
        line.withUnsafeReadableBytes { deflater.compress($0, into: &output) }
        withUnsafeBytes(of: UInt8(ascii: "\n")) { deflater.compress($0, into: &output) }
        uncompressedBytes += length
        lineCount += 1
        memberLines += 1
        memberUncompressed += length
        if let memberBytes, memberUncompressed >= memberBytes { endMember() }
        if output.readableBytes >= Self.writeThreshold { try flushOutput() }
        return member
    }

    /// Ends the current member, which holds at least one line.
    private func endMember() {
        deflater.finish(into: &output)
        members.append(SegmentIndex.Member(offset: memberStart, length: position - memberStart))
        memberStart = position
        memberLines = 0
        memberUncompressed = 0
    }

    /// Ends the stream, fsyncs and closes the file.
    /// - Returns: The file's size and lowercase hex SHA-256.
    func finish() throws(ArchiveError) -> (bytes: Int, sha256: String) {
        if memberBytes != nil, memberLines > 0 {
            endMember()
        } else if memberBytes == nil || lineCount == 0 {
            // One member, or a file without lines: still a gzip stream.
            deflater.finish(into: &output)
        }
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
