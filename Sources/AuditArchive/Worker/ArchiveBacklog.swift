import Synchronization

/// Bounds the record bytes handed to partition lanes and not yet archived: the consuming loop
/// waits for room before it hands over a record, so a slow disk slows fetching instead of
/// filling memory. A record larger than the whole bound is let through when nothing else is
/// waiting to be archived.
final class ArchiveBacklog: Sendable {
    private struct State {
        var heldBytes = 0
        var waiter: (bytes: Int, continuation: CheckedContinuation<Void, Never>)?

        /// Takes `bytes` if they fit; otherwise the caller waits.
        mutating func tryReserve(_ bytes: Int, limit: Int) -> Bool {
            guard heldBytes == 0 || heldBytes + bytes <= limit else { return false }
            heldBytes += bytes
            return true
        }

        /// Gives `bytes` back; returns the waiter to resume if its reservation now fits.
        mutating func release(_ bytes: Int, limit: Int) -> CheckedContinuation<Void, Never>? {
            heldBytes -= bytes
            guard let waiting = waiter, tryReserve(waiting.bytes, limit: limit) else { return nil }
            waiter = nil
            return waiting.continuation
        }
    }

    /// The most record bytes in flight.
    let limit: Int
    private let state = Mutex(State())

    /// Creates a backlog of at most `limit` bytes.
    init(limit: Int) {
        self.limit = limit
    }

    /// Waits until `bytes` fit, then holds them. One caller at a time (the consuming loop).
    func reserve(_ bytes: Int) async {
        let limit = self.limit
        if state.withLock({ $0.tryReserve(bytes, limit: limit) }) { return }
        await withCheckedContinuation { continuation in
            let fitsNow = state.withLock { state in
                if state.tryReserve(bytes, limit: limit) { return true }
                state.waiter = (bytes, continuation)
                return false
            }
            if fitsNow { continuation.resume() }
        }
    }

    /// Gives back `bytes` reserved earlier.
    func release(_ bytes: Int) {
        let limit = self.limit
        state.withLock { $0.release(bytes, limit: limit) }?.resume()
    }
}
