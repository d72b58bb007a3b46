import DequeModule
import Synchronization

/// A bound on the bytes held at once by work in progress, counted by the caller (by buffer
/// capacity). ``admit(_:)`` waits, first come first served, while admitting would pass the bound;
/// one request larger than the whole bound is admitted alone rather than never. ``release(_:)``
/// gives the bytes back and admits the waiters that now fit.
///
/// With ``Durability/disk`` the publisher admits each exchange here before building its envelope
/// and releases it once the envelope is in the spool: the exchanges (and envelopes) on their way
/// to the spool hold at most ``limit`` bytes, and a response waits for room instead.
final class ByteAdmission: Sendable {
    private struct State {
        var used = 0
        var waiters: Deque<(bytes: Int, continuation: CheckedContinuation<Void, Never>)> = []

        func fits(_ bytes: Int, limit: Int) -> Bool { used == 0 || used + bytes <= limit }
    }

    /// The most bytes admitted at once (but see the type's note on a larger request).
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// The bytes admitted and not yet released.
    var usedBytes: Int { state.withLock { $0.used } }

    /// The requests waiting for room.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Waits until `bytes` fit (after every earlier waiter), then counts them.
    func admit(_ bytes: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state -> Bool in
                guard state.waiters.isEmpty, state.fits(bytes, limit: limit) else {
                    state.waiters.append((bytes, continuation))
                    return false
                }
                state.used += bytes
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    /// Gives back bytes an ``admit(_:)`` counted, and admits the waiters that now fit, in order.
    func release(_ bytes: Int) {
        let admitted = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.used = max(0, state.used - bytes)
            var admitted: [CheckedContinuation<Void, Never>] = []
            while let first = state.waiters.first, state.fits(first.bytes, limit: limit) {
                state.waiters.removeFirst()
                state.used += first.bytes
                admitted.append(first.continuation)
            }
            return admitted
        }
        for continuation in admitted { continuation.resume() }
    }
}
