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
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
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

    /// Adds an exchange, waiting for room while the queue is full.
    /// - Returns: `false` when the queue finished before there was room, or the exchange is
    ///   larger than the whole queue (waiting could never end).
    func offerWaiting(_ exchange: CapturedExchange) async -> Bool {
        guard exchange.retainedBytes <= maxBytes else { return false }
        while true {
            if offer(exchange) { return true }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isFinished || state.bytes + exchange.retainedBytes <= maxBytes { return true }
                    state.spaceWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            if state.withLock({ $0.isFinished }) { return false }
        }
    }

    /// The next exchange, waiting for one; `nil` once the queue is finished and empty.
    func next() async -> CapturedExchange? {
        let exchange = await withCheckedContinuation { continuation in
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
        wakeSpaceWaiters()
        return exchange
    }

    private func wakeSpaceWaiters() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.spaceWaiters = [] }
            return state.spaceWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Refuses new exchanges; ``next()`` returns what is left, then `nil`.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<CapturedExchange?, Never>? in
            state.isFinished = true
            defer { state.waiter = nil }
            return state.items.isEmpty ? state.waiter : nil
        }
        waiter?.resume(returning: nil)
        wakeSpaceWaiters()
    }

    /// Bytes currently queued.
    var queuedBytes: Int { state.withLock { $0.bytes } }
}
