import AuditEnvelope
import NIOCore
import Synchronization

/// Keeps the chunks of a streaming body up to a limit, without copying them, and counts and
/// hashes what goes past the limit.
///
/// Called on the request or response path for every chunk, so it does as little as possible:
/// below the limit it only retains the chunk's storage.
final class BodyTee: Sendable {
    private struct State {
        var body = CapturedBody(chunks: [], size: 0, truncated: false, isComplete: false)
        var kept = 0
        var overflowHasher: SHA256Hasher?
        var isDiscarded = false
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Records a chunk that is being forwarded.
    func append(_ chunk: ByteBuffer) {
        state.withLock { state in
            guard !state.isDiscarded else { return }
            state.body.size += chunk.readableBytes
            let room = limit - state.kept
            if chunk.readableBytes <= room, state.overflowHasher == nil {
                state.body.chunks.append(chunk)
                state.kept += chunk.readableBytes
                return
            }
            if state.overflowHasher == nil {
                // First byte past the limit: hash what was kept, then keep hashing as bytes stream.
                var hasher = SHA256Hasher()
                for kept in state.body.chunks { kept.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
                state.overflowHasher = hasher
                state.body.truncated = true
                if room > 0, let head = chunk.getSlice(at: chunk.readerIndex, length: room) {
                    state.body.chunks.append(head)
                    state.kept += room
                }
            }
            chunk.withUnsafeReadableBytes { state.overflowHasher?.update(bufferPointer: $0) }
        }
    }

    /// Records that the body ended.
    func complete() {
        state.withLock { $0.body.isComplete = true }
    }

    /// Stops keeping chunks (the exchange will not be recorded) and frees those kept.
    func discard() {
        state.withLock { state in
            state.isDiscarded = true
            state.body.chunks = []
        }
    }

    /// What was captured so far.
    func snapshot() -> CapturedBody {
        state.withLock { state in
            var body = state.body
            body.wholeBodyDigest = state.overflowHasher?.finalize()
            return body
        }
    }
}
