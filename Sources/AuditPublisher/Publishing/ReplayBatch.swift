import Synchronization

/// Waits for the outcomes of one replayed spool segment and tells how many entries, counted
/// from the start, were delivered.
final class ReplayBatch: Sendable {
    private struct State {
        var outcomes: [Bool?]
        var pending: Int
        var waiter: CheckedContinuation<Void, Never>?
        var isCancelled = false
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(outcomes: Array(repeating: nil, count: count), pending: count))
    }

    func record(_ index: Int, delivered: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.outcomes[index] == nil else { return nil }
            state.outcomes[index] = delivered
            state.pending -= 1
            guard state.pending == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Marks entries never handed to Kafka as not delivered.
    func abandon(from index: Int) {
        let count = state.withLock { $0.outcomes.count }
        for remaining in index..<count { record(remaining, delivered: false) }
    }

    /// Waits for every outcome, or until the task is cancelled (shutdown: what is not known to be
    /// delivered stays in the spool); returns the length of the delivered prefix and the total
    /// delivered.
    func wait() async -> (prefix: Int, delivered: Int) {
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
            (state.outcomes.prefix { $0 == true }.count, state.outcomes.filter { $0 == true }.count)
        }
    }
}
