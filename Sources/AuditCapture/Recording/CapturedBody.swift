import AuditEnvelope
import NIOCore

/// A body as captured: the kept prefix (as the chunks that streamed, not copied), and what is
/// known about the whole body.
public struct CapturedBody: Sendable {
    /// The kept bytes, at most the capture limit, in order.
    public var chunks: [ByteBuffer]
    /// Bytes seen.
    public var size: Int
    /// Whether bytes beyond the limit were seen and not kept.
    public var truncated: Bool
    /// Why: a ``TruncationReason`` raw value.
    public var truncatedReason: String?
    /// Whether the body was seen to its end.
    public var isComplete: Bool
    /// The SHA-256 of all `size` bytes, computed while streaming once the body outgrew the limit
    /// (the kept chunks alone cannot give it).
    public internal(set) var wholeBodyDigest: SHA256Digest?
    /// The capacity of the buffers holding ``chunks``: what keeping them costs in memory.
    public var retainedCapacity = 0

    /// Creates a captured body, for a sink that keeps exchanges and reads them back (a spool).
    /// - Parameter wholeBodyDigest: The SHA-256 of all `size` bytes when `chunks` hold fewer.
    public init(chunks: [ByteBuffer], size: Int, truncated: Bool, truncatedReason: String? = nil, isComplete: Bool, wholeBodyDigest: SHA256Digest? = nil) {
        self.chunks = chunks
        self.size = size
        self.truncated = truncated
        self.truncatedReason = truncatedReason
        self.isComplete = isComplete
        self.wholeBodyDigest = wholeBodyDigest
        self.retainedCapacity = chunks.reduce(0) { $0 + $1.capacity }
    }

    /// An empty, complete body.
    public static let empty = CapturedBody(chunks: [], size: 0, truncated: false, isComplete: true)

    /// The kept bytes in one buffer.
    public func joined() -> ByteBuffer {
        if chunks.count == 1 { return chunks[0] }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(chunks.reduce(0) { $0 + $1.readableBytes })
        for var chunk in chunks { buffer.writeBuffer(&chunk) }
        return buffer
    }

    /// The SHA-256 of the whole body as received.
    public func sha256() -> SHA256Digest {
        wholeBodyDigest ?? {
            var hasher = SHA256Hasher()
            for chunk in chunks { chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
            return hasher.finalize()
        }()
    }
}
