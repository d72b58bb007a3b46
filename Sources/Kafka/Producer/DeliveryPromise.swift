import Synchronization

/// A delivery outcome that arrives on the poll thread and is awaited by one task.
final class DeliveryPromise: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<KafkaDeliveryReport, any Error>)
        case fulfilled(Result<KafkaDeliveryReport, KafkaError>)
    }

    private let state = Mutex(State.pending)

    func fulfil(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        let waiter = state.withLock { state -> CheckedContinuation<KafkaDeliveryReport, any Error>? in
            if case .waiting(let continuation) = state {
                state = .fulfilled(result)
                return continuation
            }
            state = .fulfilled(result)
            return nil
        }
        waiter?.resume(with: result)
    }

    var value: KafkaDeliveryReport {
        get async throws(KafkaError) {
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    let ready = state.withLock { state -> Result<KafkaDeliveryReport, KafkaError>? in
                        if case .fulfilled(let result) = state { return result }
                        state = .waiting(continuation)
                        return nil
                    }
                    if let ready { continuation.resume(with: ready) }
                }
            } catch {
                // Only `fulfil` resumes the continuation, always with a KafkaError.
                throw error as! KafkaError
            }
        }
    }
}
