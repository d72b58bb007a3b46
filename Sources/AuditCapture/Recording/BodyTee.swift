import AuditEnvelope
import NIOCore
import Synchronization

/// Keeps the chunks of a streaming body up to a limit and within the capture memory budget, and
/// counts and hashes what goes past either.
///
/// Called on the request or response path for every chunk, so it does little: a chunk that fills
/// most of its buffer is retained as it is (no copy); smaller ones are copied into a coalescing
/// buffer, so that a body sent in tiny pieces does not keep one buffer (and its overhead) per
/// piece. Every buffer kept is reserved against the ``CaptureMemoryBudget`` by its capacity.
final class BodyTee: Sendable {
    private struct State {
        var body = CapturedBody(chunks: [], size: 0, truncated: false, isComplete: false)
        var kept = 0
        /// Small chunks copied together; moved into `body.chunks` when full or at the end.
        var pending: ByteBuffer?
        var overflowHasher: SHA256Hasher?
        var isDiscarded = false
    }

    /// Chunks whose buffer is at least this full, and at least this large, are retained as they are.
    static let retainedChunkBytes = 16 * 1024
    /// The capacity of a coalescing buffer.
    static let coalescingCapacity = 64 * 1024

    private let limit: Int
    private let budget: CaptureMemoryBudget?
    private let state = Mutex(State())

    init(limit: Int, budget: CaptureMemoryBudget? = nil) {
        self.limit = limit
        self.budget = budget
    }

    /// Records a chunk that is being forwarded.
    func append(_ chunk: ByteBuffer) {
        state.withLock { state in
            guard !state.isDiscarded else { return }
            state.body.size += chunk.readableBytes
            guard state.overflowHasher == nil else {
                chunk.withUnsafeReadableBytes { state.overflowHasher?.update(bufferPointer: $0) }
                return
            }
            let room = limit - state.kept
            let keep = min(room, chunk.readableBytes)
            if keep > 0, let head = chunk.getSlice(at: chunk.readerIndex, length: keep), self.keep(head, state: &state) {
                state.kept += keep
                if keep == chunk.readableBytes { return }
                startOverflow(state: &state, reason: .captureLimit)
                chunk.withUnsafeReadableBytes { state.overflowHasher?.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[keep...])) }
                return
            }
            startOverflow(state: &state, reason: keep > 0 ? .memoryBudget : .captureLimit)
            chunk.withUnsafeReadableBytes { state.overflowHasher?.update(bufferPointer: $0) }
        }
    }

    /// Keeps `bytes` (within the limit) if the budget has room for it; `false` when it has not.
    private func keep(_ bytes: ByteBuffer, state: inout State) -> Bool {
        let large = bytes.readableBytes >= Self.retainedChunkBytes && bytes.readableBytes * 2 >= bytes.storageCapacity
        if large {
            flushPending(state: &state)
            guard budget?.reserve(bytes.storageCapacity) ?? true else { return false }
            state.body.chunks.append(bytes)
            state.body.retainedCapacity += bytes.storageCapacity
            return true
        }
        if let pending = state.pending, pending.writableBytes < bytes.readableBytes {
            flushPending(state: &state)
        }
        if state.pending == nil {
            let capacity = max(Self.coalescingCapacity, bytes.readableBytes)
            guard budget?.reserve(capacity) ?? true else { return false }
            state.pending = ByteBufferAllocator().buffer(capacity: capacity)
            state.body.retainedCapacity += capacity
        }
        var source = bytes
        state.pending?.writeBuffer(&source)
        return true
    }

    private func flushPending(state: inout State) {
        guard let pending = state.pending else { return }
        state.body.chunks.append(pending)
        state.pending = nil
    }

    /// Stops keeping bytes: hashes what was kept, then keeps hashing as bytes stream.
    private func startOverflow(state: inout State, reason: TruncationReason) {
        flushPending(state: &state)
        var hasher = SHA256Hasher()
        for kept in state.body.chunks { kept.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
        state.overflowHasher = hasher
        state.body.truncated = true
        state.body.truncatedReason = reason.rawValue
        if reason == .memoryBudget { budget?.countTruncation() }
    }

    /// Records that the body ended.
    func complete() {
        state.withLock { $0.body.isComplete = true }
    }

    /// Stops keeping chunks (the exchange will not be recorded) and frees those kept.
    func discard() {
        let freed = state.withLock { state -> Int in
            state.isDiscarded = true
            state.body.chunks = []
            state.pending = nil
            defer { state.body.retainedCapacity = 0 }
            return state.body.retainedCapacity
        }
        budget?.release(freed)
    }

    /// What was captured so far; the budget's reservation passes to the caller, which gives it
    /// back with ``releaseBudget()`` once the body is handed on.
    func snapshot() -> CapturedBody {
        state.withLock { state in
            flushPending(state: &state)
            var body = state.body
            body.wholeBodyDigest = state.overflowHasher?.finalize()
            return body
        }
    }

    /// Gives the reservation of the kept buffers back to the budget (once).
    func releaseBudget() {
        let freed = state.withLock { state -> Int in
            defer { state.body.retainedCapacity = 0 }
            return state.body.retainedCapacity
        }
        budget?.release(freed)
    }
}
