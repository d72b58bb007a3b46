import AuditCapture
import DequeModule
import Synchronization

/// A queue of captured exchanges bounded in bytes, between the request path (which must never
/// wait) and the publishing loop. The loop waits for an item (``waitForItem()``) and then takes
/// items (``take()``) under the publisher's ``OrderGate``, so that an overflow, which empties the queue
/// into the spool under the same gate (``takeAll()``), keeps the exchanges in order.
final class ExchangeQueue: Sendable {
    private struct State {
        var items: Deque<CapturedExchange> = []
        var bytes = 0
        var waiter: CheckedContinuation<Bool, Never>?
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
        var isFinished = false
        /// Exchanges on their way to the spool because the queue was full: while any is, newer
        /// exchanges must follow them there, not slip into the queue ahead of them.
        var overflowing = 0
    }

    let maxBytes: Int
    private let state = Mutex(State())

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Adds an exchange unless that would pass the byte bound, the queue is finished, or
    /// exchanges are overflowing to the spool.
    /// - Parameter startingOverflow: When refused, count the exchange as overflowing (in the same
    ///   step) until ``endOverflow()``, so that newer exchanges are refused too.
    /// - Returns: Whether the exchange was queued. Never waits.
    func offer(_ exchange: CapturedExchange, startingOverflow: Bool = false) -> Bool {
        let size = exchange.retainedBytes
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Bool, Never>?) in
            guard !state.isFinished, state.overflowing == 0, state.bytes + size <= maxBytes else {
                if startingOverflow { state.overflowing += 1 }
                return (false, nil)
            }
            state.items.append(exchange)
            state.bytes += size
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: true)
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
                    if state.isFinished || (state.overflowing == 0 && state.bytes + exchange.retainedBytes <= maxBytes) { return true }
                    state.spaceWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            if state.withLock({ $0.isFinished }) { return false }
        }
    }

    /// Waits until an exchange is queued.
    /// - Returns: `false` once the queue is finished and empty.
    func waitForItem() async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool? in
                if !state.items.isEmpty { return true }
                if state.isFinished { return false }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The oldest exchange, if any, without waiting.
    func take() -> CapturedExchange? {
        let exchange = state.withLock { state -> CapturedExchange? in
            guard let first = state.items.popFirst() else { return nil }
            state.bytes -= first.retainedBytes
            return first
        }
        if exchange != nil { wakeSpaceWaiters() }
        return exchange
    }

    /// An overflowing exchange reached the spool (see ``offer(_:startingOverflow:)``).
    func endOverflow() {
        state.withLock { $0.overflowing -= 1 }
        wakeSpaceWaiters()
    }

    /// Every queued exchange, oldest first, leaving the queue empty.
    func takeAll() -> [CapturedExchange] {
        let exchanges = state.withLock { state -> [CapturedExchange] in
            defer {
                state.items.removeAll()
                state.bytes = 0
            }
            return Array(state.items)
        }
        if !exchanges.isEmpty { wakeSpaceWaiters() }
        return exchanges
    }

    private func wakeSpaceWaiters() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.spaceWaiters = [] }
            return state.spaceWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Refuses new exchanges; ``take()`` returns what is left, then ``waitForItem()`` `false`.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.isFinished = true
            defer { state.waiter = nil }
            return state.items.isEmpty ? state.waiter : nil
        }
        waiter?.resume(returning: false)
        wakeSpaceWaiters()
    }

    /// Bytes currently queued.
    var queuedBytes: Int { state.withLock { $0.bytes } }
}
