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
        let inflater = try GzipInflater()
        var pending = ByteBuffer()
        var compressedBytes = 0
        var consumedBytes = 0
        var searchFrom = 0
        try ArchiveFile.readChunks(path, chunkSize: 1 << 16) { chunk throws(ArchiveError) in
            compressedBytes += chunk.count
            do throws(ArchiveError) {
                try inflater.decompress(chunk, into: &pending) { output throws(ArchiveError) in
                    consumedBytes += try emitCompleteLines(from: &output, searchFrom: &searchFrom, body)
                    if let maxInflated = limits.maxInflatedBytes, consumedBytes + output.readableBytes > maxInflated {
                        throw ArchiveError(.oversize, "\(path): inflates past \(maxInflated) bytes, more than its manifest records (a gzip bomb or a rewritten file)")
                    }
                    if let ratio = limits.maxInflateRatio, consumedBytes + output.readableBytes > limits.maxLineBytes + ratio * compressedBytes {
                        throw ArchiveError(.oversize, "\(path): inflates more than \(ratio) times its compressed size (a gzip bomb)")
                    }
                    guard output.readableBytes <= limits.maxLineBytes else {
                        throw ArchiveError(.oversize, "\(path): a line is longer than \(limits.maxLineBytes) bytes")
                    }
                    if output.readerIndex >= 1 << 20 { output.discardReadBytes() }
                }
            } catch where error.code == .corruptCompression {
                throw ArchiveError(.corruptCompression, "\(path): \(error.reason)")
            }
        }
        guard compressedBytes > 0, inflater.isAtMemberEnd else {
            throw ArchiveError(.corruptCompression, "\(path): truncated gzip (the file ends inside a compressed stream)")
        }
        if pending.readableBytes > 0 { try body(pending) }
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
