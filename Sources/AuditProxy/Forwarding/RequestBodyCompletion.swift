import Synchronization

/// Says when AsyncHTTPClient has stopped reading the client's request body.
///
/// Hummingbird drains whatever is left of a request body once the response is written. The
/// proxy's response can be complete while AsyncHTTPClient's task is still inside the body's
/// `next()` (waiting for the end of the stream), and two readers of one body trap inside NIO. The
/// proxy therefore finishes a response only after this has finished.
final class RequestBodyCompletion: Sendable {
    private struct State {
        var isStarted = false
        var isFinished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Finishes the completion when released, whichever way the reader stops.
    final class Token: Sendable {
        let completion: RequestBodyCompletion

        init(_ completion: RequestBodyCompletion) {
            self.completion = completion
        }

        deinit {
            completion.finish()
        }
    }

    private let state = Mutex(State())

    /// Called by a reader about to read the body; `false` when the exchange is already over and
    /// the body must not be touched.
    func begin() -> Bool {
        state.withLock { state in
            guard !state.isFinished else { return false }
            state.isStarted = true
            return true
        }
    }

    /// Marks the body as no longer read; later calls do nothing.
    func finish() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isFinished else { return [] }
            state.isFinished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the reader has stopped. If no reader has begun, none may begin any more and
    /// it returns at once.
    func finishUnlessStartedThenWait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state -> Bool in
                if !state.isStarted { state.isFinished = true }
                if !state.isFinished { state.waiters.append(continuation) }
                return state.isFinished
            }
            if finished { continuation.resume() }
        }
    }
}
