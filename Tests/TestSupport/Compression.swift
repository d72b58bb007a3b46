import CZlib

/// zlib compression for tests that send compressed bodies; shared by the test targets.
public enum Compression {
    /// The container around deflate data.
    public enum Format: Sendable {
        /// RFC 1952, `Content-Encoding: gzip`.
        case gzip
        /// RFC 1950, what `Content-Encoding: deflate` means.
        case zlib
        /// RFC 1951 without a container, which some servers send as `deflate`.
        case raw

        var windowBits: Int32 {
            switch self {
            case .gzip: 15 + 16
            case .zlib: 15
            case .raw: -15
            }
        }
    }

    /// `bytes` compressed.
    public static func compress(_ bytes: [UInt8], format: Format) -> [UInt8] {
        compress(repeating: bytes, times: 1, format: format)
    }

    /// `times` copies of `bytes` compressed as one stream, without holding them all (a bomb of
    /// a gigabyte of zeros is a megabyte here).
    public static func compress(repeating bytes: [UInt8], times: Int, format: Format) -> [UInt8] {
        var stream = z_stream()
        guard auditshipper_deflate_init(&stream, 6, format.windowBits) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = bytes
        for index in 0..<times {
            let flush = index == times - 1 ? Z_FINISH : Z_NO_FLUSH
            input.withUnsafeMutableBufferPointer { source in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                repeat {
                    chunk.withUnsafeMutableBufferPointer { target in
                        stream.next_out = target.baseAddress
                        stream.avail_out = uInt(target.count)
                        _ = deflate(&stream, flush)
                        output += target[0..<(target.count - Int(stream.avail_out))]
                    }
                } while stream.avail_out == 0 || (flush == Z_FINISH && stream.avail_in > 0)
            }
        }
        return output
    }
}
