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

    /// Decompresses `input`, appending to `output` in steps of at most 256 KiB; after each step
    /// `drain` may consume what it can (complete lines), so that a small input that inflates to
    /// gigabytes never accumulates.
    /// - Throws: ``ArchiveError`` (`corruptCompression`) when the bytes are not gzip, or what
    ///   `drain` throws.
    func decompress(
        _ input: UnsafeRawBufferPointer,
        into output: inout ByteBuffer,
        drain: (inout ByteBuffer) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        // Until the input is used up and a step ends with room to spare: a step that fills its
        // output may leave inflated bytes inside zlib even when no input is left.
        var outputFilled = false
        while stream.pointee.avail_in > 0 || outputFilled {
            if isAtMemberEnd {
                guard stream.pointee.avail_in > 0 else { return }
                isAtMemberEnd = false
                inflateReset(stream)
            }
            var result = Z_OK
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.outputStep) { target in
                guard let targetBase = target.baseAddress else { return 0 }
                let step = min(target.count, Self.outputStep)
                stream.pointee.next_out = targetBase.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(step)
                result = inflate(stream, Z_NO_FLUSH)
                outputFilled = stream.pointee.avail_out == 0
                return step - Int(stream.pointee.avail_out)
            }
            switch result {
            case Z_STREAM_END:
                isAtMemberEnd = true
                outputFilled = false
            case Z_OK:
                break
            case Z_BUF_ERROR:
                // No progress was possible: more input is needed.
                outputFilled = false
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(result)"
                throw ArchiveError(.corruptCompression, "not valid gzip data (\(message))")
            }
            try drain(&output)
        }
    }
}
