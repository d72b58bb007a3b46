import NIOCore

/// The read side of an archive root, beside the write side's ``PartitionStore``: what is in a
/// directory of the layout, how large an object is, and its bytes (whole, a range, or streamed
/// in chunks), for a directory (``DirectoryArchiveStore``) and an S3 bucket
/// (``ObjectArchiveStore``). Every reader (verify, queries, statistics, reconciliation) reads
/// through it one object or byte range at a time: nothing is copied whole to local disk, and
/// memory holds a chunk, a member or an index at a time.
///
/// Paths are relative to the root, `/`-separated (`<topic>/dt=…/hour=…/<file>`); the empty path
/// is the root. Blocking: called off the cooperative pool.
public protocol ArchiveStore: Sendable {
    /// The root as its user names it: a directory path or an `s3://BUCKET/PREFIX` URL.
    var root: String { get }

    /// What is directly in `directory`, sorted by name; a missing directory holds nothing.
    /// - Throws: ``ArchiveError`` `missingRoot` when the root itself is missing, else `io` or
    ///   `objectStore`.
    func list(_ directory: String) throws(ArchiveError) -> [ArchiveStoreEntry]

    /// The size of the object at `path`, or `nil` when there is none (or it is not a regular file).
    func size(_ path: String) throws(ArchiveError) -> Int?

    /// The object's bytes, at most `maxBytes`; `nil` when there is none.
    /// - Throws: ``ArchiveError`` `oversize` past `maxBytes`, `notRegularFile`, `io`, `objectStore`.
    func read(_ path: String, maxBytes: Int) throws(ArchiveError) -> ByteBuffer?

    /// Hands `body` the object's bytes (or those of `range`) in order, in chunks of at most a
    /// few MiB, however large it is.
    /// - Throws: ``ArchiveError`` (`io` naming a missing object), or what `body` throws.
    func forEachChunk(_ path: String, range: Range<Int>?, _ body: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws(ArchiveError)
}

extension ArchiveStore {
    /// How messages name `path`: the file's path or the object's URL.
    public func location(_ path: String) -> String {
        path.isEmpty ? root : (root.hasSuffix("/") ? root + path : "\(root)/\(path)")
    }

    /// The bytes `range` of the object at `path`.
    /// - Throws: ``ArchiveError`` as ``forEachChunk(_:range:_:)``, or `io` when the object ends
    ///   before the range does.
    public func read(_ path: String, range: Range<Int>) throws(ArchiveError) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(range.count)
        try forEachChunk(path, range: range) { chunk throws(ArchiveError) in buffer.writeBytes(chunk) }
        guard buffer.readableBytes == range.count else {
            throw ArchiveError(.io, "\(location(path)): ends before bytes \(range.lowerBound)-\(range.upperBound - 1)")
        }
        return buffer
    }
}

/// One name in a directory of an archive store.
public struct ArchiveStoreEntry: Sendable, Equatable {
    /// What it is.
    public enum Kind: Sendable, Equatable {
        /// A directory (in a bucket, a common prefix).
        case directory
        /// A regular file or object of this many bytes.
        case file(size: Int)
        /// A symbolic link, FIFO, socket or device: never followed or opened.
        case irregular
    }

    /// The name within its directory.
    public var name: String
    /// What it is.
    public var kind: Kind

    /// Creates an entry.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
