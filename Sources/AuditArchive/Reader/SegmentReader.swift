import AuditEnvelope
import NIOCore

/// Reads the lines of a gzip JSON-lines file (a segment or a dead-letter file) as a stream, with
/// bounded memory whatever the file holds: a line longer than ``Limits/maxLineBytes`` or a stream
/// inflating past ``Limits/maxInflatedBytes`` (a gzip bomb) stops the file with an error.
public enum SegmentReader {
    /// How much a reader accepts from one file.
    public struct Limits: Sendable {
        /// The longest line. Default: 256 MiB (four times the consumer's default envelope limit,
        /// which an envelope line exceeds only by its context attributes).
        public var maxLineBytes = 256 * 1024 * 1024
        /// The most bytes the whole file may inflate to; readers set it from the manifest's
        /// `uncompressedBytes`. Default: no bound beyond the line bound.
        public var maxInflatedBytes: Int?
        /// For files whose size before compression nobody recorded (dead-letter files): the
        /// file may inflate to at most ``maxLineBytes`` plus this many times the compressed bytes
        /// read so far. Default: none.
        public var maxInflateRatio: Int?

        /// Creates the defaults.
        public init() {}

        /// The limits for a file whose size before compression is not recorded: 256 times the
        /// compressed bytes past the line bound, more than base64 JSON lines reach, far less than
        /// a bomb's 1,000.
        public static var unrecordedSize: Limits {
            var limits = Limits()
            limits.maxInflateRatio = 256
            return limits
        }

        /// The limits for a file whose manifest records `uncompressedBytes`: inflating 16 MiB past
        /// that is refused, enough room for a reader to go on reading a lightly edited file (which
        /// verification reports by its hash) but none for a bomb.
        public init(uncompressedBytes: Int) {
            maxInflatedBytes = max(0, uncompressedBytes).saturatingAdd(16 * 1024 * 1024)
        }
    }

    /// Calls `body` with each line of the file at `path`, without its newline, in order.
    /// - Throws: ``ArchiveError`` when the file cannot be read, is not a regular file, is not
    ///   gzip or is truncated (`corruptCompression`), exceeds a limit (`oversize`), or whatever
    ///   `body` throws.
    public static func forEachLine(
        inFileAt path: String,
        limits: Limits = Limits(),
        _ body: (ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        try forEachLine(named: path, from: .file(path), limits: limits, body)
    }

    /// Calls `body` with each line of the object at `path` in `store`, or of its bytes `range`
    /// (one or more whole gzip members, such as a member an index names), in order.
    /// - Parameter hashing: Also hash the compressed bytes read.
    /// - Returns: With `hashing`, the size and lowercase hex SHA-256 of the bytes read.
    /// - Throws: ``ArchiveError`` as ``forEachLine(inFileAt:limits:_:)``.
    @discardableResult
    public static func forEachLine(
        in store: any ArchiveStore,
        path: String,
        range: Range<Int>? = nil,
        limits: Limits = Limits(),
        hashing: Bool = false,
        _ body: (ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) -> (bytes: Int, sha256: String)? {
        let name = range.map { "\(store.location(path)) bytes \($0.lowerBound)-\($0.upperBound - 1)" } ?? store.location(path)
        return try forEachLine(named: name, from: .store(store, path, range), limits: limits, hashing: hashing, body)
    }

    /// Calls `body` with each line of the object at `path` in `store`, read once from start to
    /// end, together with the number of the gzip member (of `members`, which must tile the
    /// object from byte 0 to its end) that holds it. Each member is decompressed on its own and
    /// must end a gzip member at a line's end: that is what lets a reader take one member alone.
    /// - Returns: The size and lowercase hex SHA-256 of the object.
    /// - Throws: ``ArchiveError``: `corruptCompression` naming the member that is not a whole
    ///   gzip member of whole lines, as ``forEachLine(inFileAt:limits:_:)`` otherwise.
    public static func forEachLine(
        in store: any ArchiveStore,
        path: String,
        members: [SegmentIndex.Member],
        limits: Limits,
        _ body: (Int, ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) -> (bytes: Int, sha256: String) {
        var hasher = SHA256Hasher()
        var position = 0
        var member = 0
        var inflated = 0
        func stream(_ number: Int) throws(ArchiveError) -> LineStream {
            var memberLimits = limits
            memberLimits.maxInflatedBytes = limits.maxInflatedBytes.map { max(0, $0 - inflated) }
            let range = members[number].range
            return try LineStream(name: "\(store.location(path)) member at bytes \(range.lowerBound)-\(range.upperBound - 1)", limits: memberLimits)
        }
        var current = try members.isEmpty ? nil : stream(0)
        try store.forEachChunk(path, range: nil) { chunk throws(ArchiveError) in
            hasher.update(bufferPointer: chunk)
            var rest = chunk
            while !rest.isEmpty {
                guard member < members.count, var lines = current else {
                    throw ArchiveError(.corruptCompression, "\(store.location(path)): bytes from \(position) on are in no member the index names")
                }
                let take = min(rest.count, members[member].range.upperBound - position)
                let number = member
                try lines.feed(UnsafeRawBufferPointer(rebasing: rest[..<take])) { line throws(ArchiveError) in try body(number, line) }
                position += take
                rest = UnsafeRawBufferPointer(rebasing: rest[take...])
                current = lines
                if position == members[member].range.upperBound {
                    try lines.finishMember()
                    inflated += lines.inflatedBytes
                    member += 1
                    current = member < members.count ? try stream(member) : nil
                }
            }
        }
        guard member == members.count else {
            throw ArchiveError(.corruptCompression, "\(store.location(path)): ends at byte \(position), inside or before the members the index names")
        }
        return (position, hasher.finalize().hex)
    }

    /// Calls `body` with each line of the gzip bytes `compressed` (a file read whole), named
    /// `name` in errors.
    /// - Throws: ``ArchiveError`` as ``forEachLine(inFileAt:limits:_:)``.
    public static func forEachLine(
        inBytes compressed: ByteBuffer,
        named name: String,
        limits: Limits,
        _ body: (ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        try forEachLine(named: name, from: .bytes(compressed), limits: limits, body)
    }

    /// Where the compressed bytes come from.
    private enum Source {
        case file(String)
        case store(any ArchiveStore, String, Range<Int>?)
        case bytes(ByteBuffer)

        func forEachChunk(_ body: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws(ArchiveError) {
            switch self {
            case .file(let path): try ArchiveFile.readChunks(path, chunkSize: 1 << 16, body)
            case .store(let store, let path, let range): try store.forEachChunk(path, range: range, body)
            case .bytes(let buffer): try buffer.withUnsafeReadableBytes { bytes throws(ArchiveError) in try body(bytes) }
            }
        }
    }

    /// The lines of the gzip stream `source` holds, named `path` in errors.
    @discardableResult
    private static func forEachLine(
        named path: String,
        from source: Source,
        limits: Limits,
        hashing: Bool = false,
        _ body: (ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) -> (bytes: Int, sha256: String)? {
        var lines = try LineStream(name: path, limits: limits)
        var hasher = hashing ? SHA256Hasher() : nil
        try source.forEachChunk { chunk throws(ArchiveError) in
            hasher?.update(bufferPointer: chunk)
            try lines.feed(chunk, body)
        }
        try lines.finish(body)
        return hasher.map { (lines.compressedBytes, $0.finalize().hex) }
    }

    /// A gzip stream being split into lines, within ``Limits``.
    private struct LineStream {
        let name: String
        let limits: Limits
        private let inflater: GzipInflater
        private var pending = ByteBuffer()
        private(set) var compressedBytes = 0
        /// Bytes of lines handed on, newlines included.
        private var consumedBytes = 0
        private var searchFrom = 0

        init(name: String, limits: Limits) throws(ArchiveError) {
            self.name = name
            self.limits = limits
            inflater = try GzipInflater()
        }

        /// What the stream inflated to so far.
        var inflatedBytes: Int { consumedBytes + pending.readableBytes }

        /// Decompresses `chunk`, handing each complete line to `body`.
        mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (ByteBuffer) throws(ArchiveError) -> Void) throws(ArchiveError) {
            compressedBytes += chunk.count
            let name = name
            let limits = limits
            let compressedBytes = compressedBytes
            var consumed = consumedBytes
            var searchFrom = searchFrom
            defer {
                consumedBytes = consumed
                self.searchFrom = searchFrom
            }
            do throws(ArchiveError) {
                try inflater.decompress(chunk, into: &pending) { output throws(ArchiveError) in
                    consumed += try SegmentReader.emitCompleteLines(from: &output, searchFrom: &searchFrom, body)
                    if let maxInflated = limits.maxInflatedBytes, consumed + output.readableBytes > maxInflated {
                        throw ArchiveError(.oversize, "\(name): inflates past \(maxInflated) bytes, more than its manifest records (a gzip bomb or a rewritten file)")
                    }
                    if let ratio = limits.maxInflateRatio, consumed + output.readableBytes > limits.maxLineBytes + ratio * compressedBytes {
                        throw ArchiveError(.oversize, "\(name): inflates more than \(ratio) times its compressed size (a gzip bomb)")
                    }
                    guard output.readableBytes <= limits.maxLineBytes else {
                        throw ArchiveError(.oversize, "\(name): a line is longer than \(limits.maxLineBytes) bytes")
                    }
                    if output.readerIndex >= 1 << 20 { output.discardReadBytes() }
                }
            } catch where error.code == .corruptCompression {
                throw ArchiveError(.corruptCompression, "\(name): \(error.reason)")
            }
        }

        /// Ends the stream: it must end a gzip member; a last line without a newline is handed on.
        func finish(_ body: (ByteBuffer) throws(ArchiveError) -> Void) throws(ArchiveError) {
            guard compressedBytes > 0, inflater.isAtMemberEnd else {
                throw ArchiveError(.corruptCompression, "\(name): truncated gzip (the file ends inside a compressed stream)")
            }
            if pending.readableBytes > 0 { try body(pending) }
        }

        /// Ends one member of a segment: it must end a gzip member right after a newline.
        func finishMember() throws(ArchiveError) {
            guard compressedBytes > 0, inflater.isAtMemberEnd else {
                throw ArchiveError(.corruptCompression, "\(name): does not end a gzip member (an index naming bytes that do not decompress on their own)")
            }
            guard pending.readableBytes == 0 else {
                throw ArchiveError(.corruptCompression, "\(name): ends inside a line")
            }
        }
    }

    /// Hands each complete line to `body`; the bytes after the last newline stay in `buffer`.
    /// `searchFrom` remembers how far past the reader index no newline was found, so a long line
    /// arriving in many steps is scanned once.
    /// - Returns: The bytes consumed, newlines included.
    private static func emitCompleteLines(
        from buffer: inout ByteBuffer,
        searchFrom: inout Int,
        _ body: (ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) -> Int {
        var consumed = 0
        let newline = UInt8(ascii: "\n")
        while true {
            let view = buffer.readableBytesView
            guard let found = view[(view.startIndex + searchFrom)...].firstIndex(of: newline) else {
                searchFrom = view.count
                return consumed
            }
            let length = found - buffer.readerIndex
            searchFrom = 0
            guard let line = buffer.readSlice(length: length) else { return consumed }
            buffer.moveReaderIndex(forwardBy: 1)
            consumed += length + 1
            try body(line)
        }
    }
}
