import CZlib
import NIOCore

/// Streaming gzip compression into `ByteBuffer`s: one gzip member, or after ``startMember()``
/// the next of a sequence of members that `zcat` reads as one stream.
final class GzipDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var isFinished = false

    /// Output space reserved before each `deflate` call.
    private static let outputStep = 64 * 1024

    /// - Parameter level: zlib's level, 1 (fastest) to 9 (smallest).
    init(level: Int32) throws(ArchiveError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard auditshipper_deflate_init_gzip(stream, level) == Z_OK else {
            stream.deallocate()
            throw ArchiveError(.corruptCompression, "zlib could not start a gzip stream at level \(level)")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input`, appending whatever output zlib produces to `output`.
    func compress(_ input: UnsafeRawBufferPointer, into output: inout ByteBuffer) {
        guard !input.isEmpty else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        while stream.pointee.avail_in > 0 {
            run(flush: Z_NO_FLUSH, into: &output)
        }
    }

    /// Ends the gzip member (trailer with CRC-32 and length) into `output`.
    func finish(into output: inout ByteBuffer) {
        guard !isFinished else { return }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        while run(flush: Z_FINISH, into: &output) != Z_STREAM_END {}
        isFinished = true
    }

    /// Starts a new gzip member after ``finish(into:)``: the next input gets its own header, so
    /// the member can be decompressed on its own.
    func startMember() {
        guard isFinished else { return }
        deflateReset(stream)
        isFinished = false
    }

    @discardableResult
    private func run(flush: Int32, into output: inout ByteBuffer) -> Int32 {
        var result = Z_OK
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.outputStep) { target in
            stream.pointee.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(target.count)
            result = deflate(stream, flush)
            return target.count - Int(stream.pointee.avail_out)
        }
        // Z_BUF_ERROR only means no progress was possible this round; the loop provides space.
        precondition(result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR, "zlib deflate failed with \(result)")
        return result
    }
}
