import AuditEnvelope
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Thin POSIX file operations for the spool, with errors that name the path; opens, writes and
/// fsyncs go through ``PosixFile`` (no link followed, every byte written or an error). Blocking:
/// call them on the spool's I/O queue only.
enum SpoolFile {
    typealias Failure = PosixFile.Failure

    static func openForAppend(_ path: String) throws -> Int32 {
        try PosixFile.open(path, .append)
    }

    /// Opens a new segment for appending: `ELOOP` for a link, `ENXIO` for a FIFO, never a wait.
    static func openSegment(_ path: String) throws -> Int32 {
        try PosixFile.open(path, .appendWithoutWaiting)
    }

    /// Replaces the small file at `path` with `text` (written beside it, then renamed over it),
    /// never through a link.
    static func replace(_ path: String, with text: String) throws {
        let temporary = path + ".tmp"
        try remove(temporary)
        let descriptor = try PosixFile.open(temporary, .createNew)
        defer { close(descriptor) }
        try write(descriptor, ByteBuffer(string: text), path: temporary)
        guard rename(temporary, path) == 0 else { throw Failure(path: path, operation: "rename", code: errno) }
    }

    static func write(_ descriptor: Int32, _ buffer: ByteBuffer, path: String) throws {
        try PosixFile.writeAll(descriptor, buffer, path: path)
    }

    /// Writes `buffers` one after the other, whole (retrying short writes).
    static func write(_ descriptor: Int32, _ buffers: [ByteBuffer], path: String) throws {
        for buffer in buffers { try write(descriptor, buffer, path: path) }
    }

    /// The decimal number a small file holds (its first 32 bytes, surrounding whitespace
    /// ignored); `nil` when it is empty or holds anything else.
    static func number(in descriptor: Int32) -> Int64? {
        var text = [UInt8](repeating: 0, count: 32)
        let count = text.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int64(String(decoding: text.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func sync(_ descriptor: Int32, path: String) throws {
        try PosixFile.sync(descriptor, path: path)
    }

    /// Makes a directory entry (a create, rename or unlink in it) durable.
    static func syncDirectory(_ path: String) throws {
        try PosixFile.syncDirectory(path)
    }

    static func read(_ path: String) throws -> ByteBuffer {
        let descriptor = try PosixFile.open(path, .read)
        defer { close(descriptor) }
        var buffer = ByteBuffer()
        // One allocation of the file's size (a segment is written up to its size limit); the
        // loop still reads whatever the file holds should it have grown.
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_size > 0 { buffer.reserveCapacity(Int(info.st_size) + 1) }
        while true {
            if buffer.writableBytes == 0 { buffer.reserveCapacity(minimumWritableBytes: 1 << 20) }
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { target in
                Glibc.read(descriptor, target.baseAddress, target.count)
            }
            if count < 0 { throw Failure(path: path, operation: "read", code: errno) }
            if count == 0 { return buffer }
        }
    }

    /// The size of the regular file at `path`; `nil` for anything else (a link is not followed).
    static func regularFileSize(_ path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw Failure(path: path, operation: "unlink", code: errno) }
    }

    static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
    }

    static func list(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
    }
}
