import CZlib
import NIOCore

/// Streaming gzip decompression. Reads concatenated gzip members as one stream (as `zcat` does)
/// and tells a complete stream from a truncated one.
final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    /// Whether the last member ended cleanly; false in the middle of a member.
    private(set) var isAtMemberEnd = true

    private static let outputStep = 256 * 1024

    init() throws(ArchiveError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard auditshipper_inflate_init_gzip(stream) == Z_OK else {
            stream.deallocate()
            throw ArchiveError(.corruptCompression, "zlib could not start a gzip reader")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses `input`, appending to `output`.
    /// - Throws: ``ArchiveError`` (`corruptCompression`) when the bytes are not gzip.
    func decompress(_ input: UnsafeRawBufferPointer, into output: inout ByteBuffer) throws(ArchiveError) {
        guard !input.isEmpty else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        while stream.pointee.avail_in > 0 {
            if isAtMemberEnd {
                isAtMemberEnd = false
                inflateReset(stream)
            }
            var result = Z_OK
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.outputStep) { target in
                stream.pointee.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(target.count)
                result = inflate(stream, Z_NO_FLUSH)
                return target.count - Int(stream.pointee.avail_out)
            }
            switch result {
            case Z_STREAM_END:
                isAtMemberEnd = true
            case Z_OK, Z_BUF_ERROR:
                continue
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(result)"
                throw ArchiveError(.corruptCompression, "not valid gzip data (\(message))")
            }
        }
    }
}
