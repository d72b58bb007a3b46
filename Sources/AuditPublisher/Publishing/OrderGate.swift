import DequeModule
import Synchronization

/// An asynchronous lock that keeps exchanges in order on their way out of the queue: the
/// publishing loop takes exchanges and publishes them in order under it (and stops taking once
/// someone waits for it), and an exchange that overflows the queue spools the queued ones and
/// then itself under it, so an overflowing exchange never reaches the spool before older ones of
/// its key. Waiters are served first come, first served.
final class OrderGate: Sendable {
    private struct State {
        var isHeld = false
        var waiters: Deque<CheckedContinuation<Void, Never>> = []

        /// Takes the gate if it is free; otherwise the caller is queued.
        mutating func acquire(_ waiter: CheckedContinuation<Void, Never>) -> Bool {
            guard isHeld else {
                isHeld = true
                return true
            }
            waiters.append(waiter)
            return false
        }

        /// Hands the gate to the next waiter (to resume), or frees it.
        mutating func release() -> CheckedContinuation<Void, Never>? {
            guard let next = waiters.popFirst() else {
                isHeld = false
                return nil
            }
            return next
        }
    }

    private let state = Mutex(State())

    /// How many callers wait for the gate.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Runs `body` holding the gate.
    func withGate<Result: Sendable>(_ body: () async -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            if state.withLock({ $0.acquire(continuation) }) { continuation.resume() }
        }
        defer { state.withLock { $0.release() }?.resume() }
        return await body()
    }
}
