import Synchronization

/// Waits for the outcomes of one replayed spool segment and tells how many entries, counted
/// from the start, are done with (the spool may forget them) and how many exchanges among those
/// Kafka took.
final class ReplayBatch: Sendable {
    /// What became of one replayed entry.
    enum Outcome: Sendable {
        /// Kafka acknowledged it.
        case delivered
        /// Dropped for good (too large for Kafka; counted where it was dropped).
        case dropped
        /// Not taken, or never sent: it stays in the spool for the next round.
        case kept
    }

    private struct State {
        var outcomes: [Outcome?]
        /// Which entries are exchanges (not drop notices or marks): only they count as replayed.
        var exchanges: [Bool]
        var pending: Int
        var waiter: CheckedContinuation<Void, Never>?
        var isCancelled = false
    }

    private let state: Mutex<State>

    /// A batch of `count` entries, all exchanges.
    convenience init(count: Int) {
        self.init(exchanges: Array(repeating: true, count: count))
    }

    /// A batch of one entry per element of `exchanges`, which says whether it is an exchange.
    init(exchanges: [Bool]) {
        state = Mutex(State(outcomes: Array(repeating: nil, count: exchanges.count), exchanges: exchanges, pending: exchanges.count))
    }

    /// An entry's outcome; only the first one for an entry counts, an index out of range is ignored.
    func record(_ index: Int, _ outcome: Outcome) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.outcomes.indices.contains(index), state.outcomes[index] == nil else { return nil }
            state.outcomes[index] = outcome
            state.pending -= 1
            guard state.pending == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Marks entries never handed to Kafka as kept.
    func abandon(from index: Int) {
        let count = state.withLock { $0.outcomes.count }
        for remaining in max(0, index)..<max(0, index, count) { record(remaining, .kept) }
    }

    /// Waits for every outcome, or until the task is cancelled (shutdown: what is not known to be
    /// delivered stays in the spool); returns the length of the prefix that is done with and the
    /// number of exchanges delivered within it. Entries delivered after a kept one are sent again with it next
    /// round, so they count as replayed only once, when their prefix leaves the spool.
    func wait() async -> (prefix: Int, replayed: Int) {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> Bool in
                    if state.pending == 0 || state.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.isCancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        return state.withLock { state in
            let prefix = state.outcomes.prefix { $0 == .delivered || $0 == .dropped }
            return (prefix.count, zip(prefix, state.exchanges).filter { $0.0 == .delivered && $0.1 }.count)
        }
    }
}
