import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Thin POSIX file operations for the spool, with errors that name the path. Blocking: call them
/// on the spool's I/O queue only.
enum SpoolFile {
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let operation: String
        let code: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    static func openForAppend(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        return descriptor
    }

    static func write(_ descriptor: Int32, _ buffer: ByteBuffer, path: String) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(path: path, operation: "write", code: errno)
                }
                offset += written
            }
        }
    }

    /// Writes `buffers` one after the other, whole (retrying short writes).
    static func write(_ descriptor: Int32, _ buffers: [ByteBuffer], path: String) throws {
        for buffer in buffers { try write(descriptor, buffer, path: path) }
    }

    static func sync(_ descriptor: Int32, path: String) throws {
        guard fsync(descriptor) == 0 else { throw Failure(path: path, operation: "fsync", code: errno) }
    }

    /// Makes a directory entry (a create, rename or unlink in it) durable.
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open directory", code: errno) }
        defer { close(descriptor) }
        try sync(descriptor, path: path)
    }

    static func read(_ path: String) throws -> ByteBuffer {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
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

    static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
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
