import Synchronization

/// Counts `produce` calls in progress and refuses new ones once closing has begun, so that
/// closing waits for every accepted message to be inside librdkafka before flushing.
final class ProducerGate: Sendable {
    private struct State {
        var isClosed = false
        var callsInProgress = 0
    }

    private let state = Mutex(State())

    /// Registers a call; `false` once closing has begun.
    func enter() -> Bool {
        state.withLock { state in
            guard !state.isClosed else { return false }
            state.callsInProgress += 1
            return true
        }
    }

    /// Ends a call registered by ``enter()``.
    func leave() {
        state.withLock { $0.callsInProgress -= 1 }
    }

    /// Refuses new calls; `false` if closing had already begun.
    func close() -> Bool {
        state.withLock { state in
            defer { state.isClosed = true }
            return !state.isClosed
        }
    }

    var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Whether calls registered before ``close()`` are still running.
    var hasCallsInProgress: Bool { state.withLock { $0.callsInProgress > 0 } }
}
