import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The one POSIX file layer of the archive, the spool, the producer's sequence file and `keygen`:
/// every open is `O_CLOEXEC` (no descriptor leaks into a child) and `O_NOFOLLOW` (a symbolic link
/// planted where a file goes is refused, never written through); every write writes all bytes
/// (retrying short writes and `EINTR`) or throws; fsync helpers for files and directory entries.
/// Blocking: call it off the cooperative pool.
public enum PosixFile {
    /// A failed operation on a path, with the system's reason.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The file or directory.
        public var path: String
        /// What was attempted (`open`, `write`, `fsync`, …).
        public var operation: String
        /// `errno`.
        public var code: Int32

        public init(path: String, operation: String, code: Int32) {
            self.path = path
            self.operation = operation
            self.code = code
        }

        public var description: String {
            code == ELOOP && operation == "open"
                ? "open \(path): it is a symbolic link, which is never followed"
                : "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }

    /// How a file is opened.
    public struct Mode: Sendable {
        fileprivate let flags: Int32

        /// Reading an existing file.
        public static let read = Mode(flags: O_RDONLY)
        /// Writing a new or existing file from its start, truncated first.
        public static let createOrTruncate = Mode(flags: O_WRONLY | O_CREAT | O_TRUNC)
        /// Writing a file that must not exist yet.
        public static let createNew = Mode(flags: O_WRONLY | O_CREAT | O_EXCL)
        /// Appending to a new or existing file without waiting: a FIFO with no reader is an
        /// error (`ENXIO`), not an open that blocks.
        public static let appendWithoutWaiting = Mode(flags: O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK)
        /// Appending to a new or existing file.
        public static let append = Mode(flags: O_WRONLY | O_CREAT | O_APPEND)
        /// Reading and writing a new or existing file in place.
        public static let readWrite = Mode(flags: O_RDWR | O_CREAT)
    }

    /// Opens `path` with `O_CLOEXEC | O_NOFOLLOW`.
    /// - Parameter permissions: The mode of a file this creates. Default: 0640.
    /// - Returns: The descriptor; the caller closes it.
    /// - Throws: ``Failure`` (`ELOOP` for a symbolic link).
    public static func open(_ path: String, _ mode: Mode, permissions: mode_t = 0o640) throws(Failure) -> Int32 {
        let descriptor = Glibc.open(path, mode.flags | O_CLOEXEC | O_NOFOLLOW, permissions)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        return descriptor
    }

    /// Writes all of `bytes` at the descriptor's position.
    /// - Throws: ``Failure`` when a write fails (`ENOSPC`, `EIO`, …).
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(Failure) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, operation: "write", code: errno)
            }
            offset += written
        }
    }

    /// Writes all readable bytes of `buffer`.
    /// - Throws: ``Failure`` when a write fails.
    public static func writeAll(_ descriptor: Int32, _ buffer: ByteBuffer, path: String) throws(Failure) {
        try buffer.withUnsafeReadableBytes { bytes throws(Failure) in try writeAll(descriptor, bytes, path: path) }
    }

    /// Flushes the file to stable storage.
    /// - Throws: ``Failure`` when fsync fails.
    public static func sync(_ descriptor: Int32, path: String) throws(Failure) {
        guard fsync(descriptor) == 0 else { throw Failure(path: path, operation: "fsync", code: errno) }
    }

    /// Makes the entries of a directory (a create, rename or unlink in it) durable. The
    /// directory itself may be reached through a symbolic link (a configured root often is).
    /// - Throws: ``Failure`` when it cannot be opened or synced.
    public static func syncDirectory(_ path: String) throws(Failure) {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open directory", code: errno) }
        defer { close(descriptor) }
        try sync(descriptor, path: path)
    }

    /// Writes `bytes` to a new file at `path` (it must not exist), fsyncs and closes it.
    /// - Throws: ``Failure``; `EEXIST` when the file exists.
    public static func createDurably(_ path: String, bytes: [UInt8], permissions: mode_t) throws(Failure) {
        let descriptor = try open(path, .createNew, permissions: permissions)
        defer { close(descriptor) }
        try writeAll(descriptor, ByteBuffer(bytes: bytes), path: path)
        try sync(descriptor, path: path)
    }
}
