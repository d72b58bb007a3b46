import AuditCapture
import DequeModule
import Synchronization

/// A queue of captured exchanges bounded in bytes, between the request path (which must never
/// wait) and the publishing loop.
final class ExchangeQueue: Sendable {
    private struct State {
        var items: Deque<CapturedExchange> = []
        var bytes = 0
        var waiter: CheckedContinuation<CapturedExchange?, Never>?
        var isFinished = false
    }

    let maxBytes: Int
    private let state = Mutex(State())

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Adds an exchange unless that would pass the byte bound or the queue is finished.
    /// - Returns: Whether the exchange was queued. Never waits.
    func offer(_ exchange: CapturedExchange) -> Bool {
        let size = exchange.retainedBytes
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<CapturedExchange?, Never>?) in
            guard !state.isFinished, state.bytes + size <= maxBytes else {
                return (false, nil)
            }
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter)
            }
            state.items.append(exchange)
            state.bytes += size
            return (true, nil)
        }
        waiter?.resume(returning: exchange)
        return accepted
    }

    /// The next exchange, waiting for one; `nil` once the queue is finished and empty.
    func next() async -> CapturedExchange? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> CapturedExchange?? in
                if let first = state.items.popFirst() {
                    state.bytes -= first.retainedBytes
                    return .some(first)
                }
                if state.isFinished { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Refuses new exchanges; ``next()`` returns what is left, then `nil`.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<CapturedExchange?, Never>? in
            state.isFinished = true
            defer { state.waiter = nil }
            return state.items.isEmpty ? state.waiter : nil
        }
        waiter?.resume(returning: nil)
    }

    /// Bytes currently queued.
    var queuedBytes: Int { state.withLock { $0.bytes } }
}
