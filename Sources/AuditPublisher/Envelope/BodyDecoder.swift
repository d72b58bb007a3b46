import CZlib
import NIOCore

/// Decodes `Content-Encoding: gzip` and `deflate` bodies so that they can be classified,
/// redacted and embedded, within hard limits: at most ``maxBytes`` of output and at most
/// ``maxRatio`` times the wire size, whichever is smaller, so that a small bomb never costs more
/// than the limit. One-shot, off the response path (envelopes are built on their own threads).
struct BodyDecoder: Sendable {
    /// A content coding this decoder removes.
    enum Coding: String, Sendable {
        case gzip
        case deflate
    }

    /// What `Content-Encoding` asks for.
    enum Request: Equatable, Sendable {
        /// No coding (absent, empty or `identity`): the body is as sent.
        case identity
        case decode(Coding)
        /// A coding this decoder does not remove (`br`, `zstd`, several codings).
        case unsupported(String)
    }

    /// Why a body was not decoded.
    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
        /// The bytes are not valid for the coding (as opposed to a limit passed).
        var isInvalidData = false
    }

    let maxBytes: Int
    let maxRatio: Int

    /// Reads a `Content-Encoding` header value.
    static func request(for contentEncoding: String?) -> Request {
        let value = (contentEncoding ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "", "identity": return .identity
        case "gzip", "x-gzip": return .decode(.gzip)
        case "deflate": return .decode(.deflate)
        default: return .unsupported(value)
        }
    }

    /// The decoded bytes of `wire`.
    /// - Throws: ``Failure`` when the bytes are not valid for `coding` or pass a limit.
    func decode(_ wire: ByteBuffer, _ coding: Coding) throws(Failure) -> ByteBuffer {
        let (scaled, overflowed) = max(1, wire.readableBytes).multipliedReportingOverflow(by: max(1, maxRatio))
        let limit = max(0, overflowed ? maxBytes : min(maxBytes, scaled))
        switch coding {
        case .gzip:
            return try inflate(wire, windowBits: 15 + 16, limit: limit)
        case .deflate:
            // RFC 9110 deflate is the zlib format; some servers send raw deflate.
            do {
                return try inflate(wire, windowBits: 15, limit: limit)
            } catch let failure where failure.isInvalidData {
                return try inflate(wire, windowBits: -15, limit: limit)
            }
        }
    }

    private func inflate(_ wire: ByteBuffer, windowBits: Int32, limit: Int) throws(Failure) -> ByteBuffer {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            inflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        guard auditshipper_inflate_init(stream, windowBits) == Z_OK else { throw Failure(description: "zlib could not start") }
        var output = ByteBuffer()
        let outcome: Result<Void, Failure> = wire.withUnsafeReadableBytes { input in
            guard let base = input.baseAddress, !input.isEmpty else { return .failure(Failure(description: "not valid: empty", isInvalidData: true)) }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(input.count)
            while true {
                var result = Z_OK
                // One byte past the limit tells "exactly the limit" from "more".
                let room = min(256 * 1024, limit + 1 - output.readableBytes)
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { target in
                    guard let targetBase = target.baseAddress else { return 0 }
                    stream.pointee.next_out = targetBase.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(room)
                    result = CZlib.inflate(stream, Z_NO_FLUSH)
                    return room - Int(stream.pointee.avail_out)
                }
                if output.readableBytes > limit {
                    return .failure(Failure(description: "decodes to more than \(limit) bytes (limits: \(maxBytes) bytes, \(maxRatio)x the wire size)"))
                }
                switch result {
                case Z_STREAM_END:
                    guard stream.pointee.avail_in > 0, windowBits > 15 else { return .success(()) }
                    // Concatenated gzip members are one body, as gunzip reads them.
                    inflateReset(stream)
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    return .failure(Failure(description: "not valid: the stream ends early (\(wire.readableBytes) bytes)", isInvalidData: true))
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(result)"
                    return .failure(Failure(description: "not valid \(windowBits > 15 ? "gzip" : "deflate") data (\(message))", isInvalidData: true))
                }
            }
        }
        try outcome.get()
        return output
    }
}
