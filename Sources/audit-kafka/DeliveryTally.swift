import Kafka
import Synchronization

/// Counts delivery outcomes and lets one task wait until all expected outcomes are in.
final class DeliveryTally: Sendable {
    private struct State {
        var delivered = 0
        var failed: [KafkaError] = []
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let expected: Int
    private let state = Mutex(State())

    init(expected: Int) {
        self.expected = expected
    }

    /// Records one outcome; called on the producer's event thread.
    func record(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            switch result {
            case .success: state.delivered += 1
            case .failure(let error): state.failed.append(error)
            }
            guard state.delivered + state.failed.count == expected else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits for every expected outcome; returns the count delivered and the failures.
    func wait() async -> (delivered: Int, failed: [KafkaError]) {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.delivered + state.failed.count == expected { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
        return state.withLock { ($0.delivered, $0.failed) }
    }
}
