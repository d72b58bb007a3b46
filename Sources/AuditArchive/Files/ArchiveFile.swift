import AuditEnvelope
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Thin POSIX file operations for archive files, with errors that name the path; opens, writes
/// and fsyncs go through ``PosixFile`` (no link followed, every byte written or an error).
/// Blocking: call them off the cooperative pool.
enum ArchiveFile {
    /// Files are readable by the owner's group (an auditor's tooling), by nobody else.
    static let fileMode: mode_t = 0o640

    static func failure(_ operation: String, _ path: String, _ code: Int32 = errno) -> ArchiveError {
        ArchiveError(.io, "\(operation) \(path): \(String(cString: strerror(code)))")
    }

    /// Runs a ``PosixFile`` operation, its failure as an ``ArchiveError`` `io`.
    private static func io<Result>(_ operation: () throws(PosixFile.Failure) -> Result) throws(ArchiveError) -> Result {
        do {
            return try operation()
        } catch {
            throw ArchiveError(.io, error.description)
        }
    }

    /// Creates (or truncates) `path` for writing with mode 0640; a symbolic link there is refused.
    static func create(_ path: String) throws(ArchiveError) -> Int32 {
        try io { () throws(PosixFile.Failure) in try PosixFile.open(path, .createOrTruncate, permissions: fileMode) }
    }

    /// Creates a file that must not exist yet (a link or file already there is an error).
    static func createNew(_ path: String) throws(ArchiveError) -> Int32 {
        try io { () throws(PosixFile.Failure) in try PosixFile.open(path, .createNew, permissions: fileMode) }
    }

    static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(ArchiveError) {
        try io { () throws(PosixFile.Failure) in try PosixFile.writeAll(descriptor, bytes, path: path) }
    }

    static func sync(_ descriptor: Int32, path: String) throws(ArchiveError) {
        try io { () throws(PosixFile.Failure) in try PosixFile.sync(descriptor, path: path) }
    }

    /// Writes `buffer` to a new file at `path`, fsyncs and closes it.
    static func writeDurably(_ buffer: ByteBuffer, to path: String) throws(ArchiveError) {
        try write(buffer, to: path, durable: true)
    }

    /// Writes `buffer` to a new file at `path` and closes it; with `durable`, fsyncs it first.
    static func write(_ buffer: ByteBuffer, to path: String, durable: Bool) throws(ArchiveError) {
        let descriptor = try create(path)
        defer { close(descriptor) }
        try buffer.withUnsafeReadableBytes { bytes throws(ArchiveError) in try write(descriptor, bytes, path: path) }
        if durable { try sync(descriptor, path: path) }
    }

    /// Makes a directory entry (a create or rename in it) durable.
    static func syncDirectory(_ path: String) throws(ArchiveError) {
        try io { () throws(PosixFile.Failure) in try PosixFile.syncDirectory(path) }
    }

    /// Creates `path` and any missing parents (mode 0750), making each new entry durable.
    static func makeDirectory(_ path: String) throws(ArchiveError) {
        guard !isDirectory(path) else { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        guard mkdir(path, 0o750) == 0 || errno == EEXIST else { throw failure("create directory", path) }
        if !parent.isEmpty { try syncDirectory(parent) }
    }

    static func rename(_ from: String, to: String) throws(ArchiveError) {
        guard Glibc.rename(from, to) == 0 else { throw failure("rename to \(to)", from) }
    }

    static func remove(_ path: String) throws(ArchiveError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("delete", path) }
    }

    /// What a path is, without following a final symbolic link.
    enum Kind: Equatable {
        case regular, directory, missing
        /// A symbolic link, FIFO, socket or device.
        case other
    }

    static func kind(_ path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Whether `path` is a directory, following symbolic links (for a root given by the user).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of a regular file, `nil` when `path` is missing or not a regular file.
    static func size(_ path: String) -> Int? {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
    }

    /// The names in `directory`, sorted; an absent directory has none.
    static func list(_ directory: String) throws(ArchiveError) -> [String] {
        guard let handle = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw failure("list", directory)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Reads a whole file of at most `maxBytes`.
    /// - Throws: ``ArchiveError`` `oversize` past `maxBytes`, or as ``readChunks(_:chunkSize:_:)``.
    static func read(_ path: String, maxBytes: Int) throws(ArchiveError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try readChunks(path, chunkSize: 1 << 20) { chunk throws(ArchiveError) in
            guard buffer.readableBytes + chunk.count <= maxBytes else {
                throw ArchiveError(.oversize, "\(path) is larger than \(maxBytes) bytes")
            }
            buffer.writeBytes(chunk)
        }
        return buffer
    }

    /// Reads `path` in chunks of at most `chunkSize` bytes. Only a regular file is read: a
    /// symbolic link is not followed and a FIFO or device is refused without blocking.
    /// - Throws: ``ArchiveError`` `notRegularFile`, or `io`.
    /// With `range`, only those bytes are read (fewer when the file ends first).
    static func readChunks(
        _ path: String,
        range: Range<Int>? = nil,
        chunkSize: Int,
        _ body: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else {
            if errno == ELOOP { throw ArchiveError(.notRegularFile, "\(path) is a symbolic link; archive files are never followed") }
            throw failure("open", path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("stat", path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ArchiveError(.notRegularFile, "\(path) is not a regular file (a FIFO, socket, device or directory)")
        }
        if let range, range.lowerBound > 0 {
            guard lseek(descriptor, off_t(range.lowerBound), SEEK_SET) >= 0 else { throw failure("seek", path) }
        }
        var remaining = range?.count ?? Int.max
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        while remaining > 0 {
            let count = Glibc.read(descriptor, chunk.baseAddress, min(chunkSize, remaining))
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { return }
            remaining -= count
            try body(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
        }
    }
}
