import NIOCore

/// Reads the lines of a gzip JSON-lines file (a segment or a dead-letter file) as a stream.
public enum SegmentReader {
    /// Calls `body` with each line of the file at `path`, without its newline, in order.
    /// - Throws: ``ArchiveError`` when the file cannot be read, is not gzip, or is truncated
    ///   (`corruptCompression`), or whatever `body` throws.
    public static func forEachLine(
        inFileAt path: String,
        _ body: (ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        let inflater = try GzipInflater()
        var pending = ByteBuffer()
        var compressedBytes = 0
        try ArchiveFile.readChunks(path, chunkSize: 1 << 20) { chunk throws(ArchiveError) in
            compressedBytes += chunk.count
            do throws(ArchiveError) {
                try inflater.decompress(chunk, into: &pending)
            } catch {
                throw ArchiveError(.corruptCompression, "\(path): \(error.reason)")
            }
            try emitCompleteLines(from: &pending, body)
            pending.discardReadBytes()
        }
        guard compressedBytes > 0, inflater.isAtMemberEnd else {
            throw ArchiveError(.corruptCompression, "\(path): truncated gzip (the file ends inside a compressed stream)")
        }
        if pending.readableBytes > 0 { try body(pending) }
    }

    private static func emitCompleteLines(
        from buffer: inout ByteBuffer,
        _ body: (ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            let line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            try body(line)
        }
    }
}
