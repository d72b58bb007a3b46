import NIOCore
import Synchronization

/// Large buffers kept for reuse by envelope building: the joined bodies being redacted and the
/// encoded envelopes on their way to Kafka.
///
/// A fresh megabyte buffer is a fresh memory mapping (audit-producer's mmap threshold is
/// 256 KiB), so every body and envelope used to cost its page faults and the kernel's zeroing
/// (about 40% of capture's CPU in the profiles, BENCHMARKS.md). A recycled one is already
/// resident. The pool is bounded: it keeps at most ``maxIdleBytes`` (by capacity) of buffers no
/// build holds, each at most ``maxBufferBytes``; what does not fit is freed as before.
///
/// Reuse cannot alias: a buffer is handed out again only after `clear()`, which gives it new
/// storage if anyone (a Kafka message not yet reported, a spool record) still shares the old.
final class EnvelopeBufferPool: Sendable {
    private struct State {
        var idle: [ByteBuffer] = []
        var idleBytes = 0
    }

    /// Buffers smaller than this come from the heap cheaply and are not kept.
    static let minimumBufferBytes = 256 * 1024
    /// The default bound on idle bytes.
    static let defaultMaxIdleBytes = 32 * 1024 * 1024

    /// The most bytes (by capacity) kept while no build holds them.
    let maxIdleBytes: Int
    /// The largest buffer kept.
    let maxBufferBytes: Int
    private let state = Mutex(State())

    /// Creates a pool keeping up to `maxIdleBytes` of buffers of up to `maxBufferBytes` each
    /// (0 keeps nothing: every buffer is fresh).
    init(maxIdleBytes: Int = EnvelopeBufferPool.defaultMaxIdleBytes, maxBufferBytes: Int = 16 * 1024 * 1024) {
        self.maxIdleBytes = max(0, maxIdleBytes)
        self.maxBufferBytes = max(0, maxBufferBytes)
    }

    /// The bytes (by capacity) of the buffers kept for reuse.
    var idleBytes: Int { state.withLock { $0.idleBytes } }

    /// An empty buffer with room for at least `minimumCapacity` bytes: the smallest idle one
    /// large enough, else a new one.
    func take(minimumCapacity: Int) -> ByteBuffer {
        let wanted = max(0, minimumCapacity)
        let reused = state.withLock { state -> ByteBuffer? in
            var best: Int?
            for (index, buffer) in state.idle.enumerated() where buffer.capacity >= wanted {
                if best.map({ buffer.capacity < state.idle[$0].capacity }) ?? true { best = index }
            }
            guard let best else { return nil }
            var buffer = state.idle.remove(at: best)
            state.idleBytes -= buffer.capacity
            // Cleared while this is its only copy here, so that its storage is kept unless
            // someone outside the pool still holds it.
            buffer.clear()
            return buffer
        }
        return reused ?? ByteBufferAllocator().buffer(capacity: wanted)
    }

    /// Keeps `buffer` for reuse when it is a whole buffer (not a slice of a larger one) of a
    /// size worth keeping and the pool has room; otherwise it is simply let go.
    func recycle(_ buffer: ByteBuffer) {
        let capacity = buffer.capacity
        guard capacity == buffer.storageCapacity, capacity >= Self.minimumBufferBytes, capacity <= maxBufferBytes else { return }
        state.withLock { state in
            guard state.idleBytes + capacity <= maxIdleBytes else { return }
            state.idle.append(buffer)
            state.idleBytes += capacity
        }
    }
}
