import Synchronization

/// Tasks waiting for room in librdkafka's local queue.
///
/// Each delivery-report batch frees room and advances a generation; a waiter that saw an older
/// generation before its failed attempt returns at once, so a wake-up between the attempt and
/// the wait is never lost.
final class QueueSpaceWaiters: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var closedError: KafkaError?
    }

    private let state = Mutex(State())

    /// The current generation; read it before trying to enqueue.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Waits until the generation moves past `seen`.
    /// - Throws: `CancellationError` when the task is cancelled, or the error given to ``close(with:)``.
    func wait(after seen: UInt64) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate = state.withLock { state -> Result<Void, any Error>? in
                    if let error = state.closedError { return .failure(error) }
                    if state.generation != seen { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Advances the generation and wakes every waiter.
    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Fails every current and future waiter with `error`.
    func close(with error: KafkaError) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.closedError = error
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
