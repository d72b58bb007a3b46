import NIOCore
import Synchronization

/// An ``ArchiveStore`` that counts what goes through it: directories listed, objects (or
/// ranges) read and their bytes, so a reader can say what a question cost.
public final class CountingArchiveStore: ArchiveStore {
    /// What was listed and read so far.
    public struct Counts: Sendable, Equatable {
        /// Directories listed.
        public var listings = 0
        /// Objects or byte ranges read.
        public var reads = 0
        /// Bytes read.
        public var bytes = 0
    }

    private let base: any ArchiveStore
    private let counted = Mutex(Counts())

    /// Counts what goes through to `base`.
    public init(_ base: any ArchiveStore) {
        self.base = base
    }

    public var root: String { base.root }

    /// What was listed and read so far.
    public var counts: Counts { counted.withLock { $0 } }

    public func list(_ directory: String) throws(ArchiveError) -> [ArchiveStoreEntry] {
        counted.withLock { $0.listings += 1 }
        return try base.list(directory)
    }

    public func size(_ path: String) throws(ArchiveError) -> Int? {
        try base.size(path)
    }

    public func read(_ path: String, maxBytes: Int) throws(ArchiveError) -> ByteBuffer? {
        let bytes = try base.read(path, maxBytes: maxBytes)
        counted.withLock {
            $0.reads += 1
            $0.bytes += bytes?.readableBytes ?? 0
        }
        return bytes
    }

    public func forEachChunk(_ path: String, range: Range<Int>?, _ body: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws(ArchiveError) {
        counted.withLock { $0.reads += 1 }
        try base.forEachChunk(path, range: range) { chunk throws(ArchiveError) in
            counted.withLock { $0.bytes += chunk.count }
            try body(chunk)
        }
    }
}
