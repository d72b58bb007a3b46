import Kafka
import Synchronization

/// Tracks the chunks of one envelope through Kafka and reports its outcome once: delivered (with
/// the report of the chunk acknowledged last) when every chunk is acknowledged, failed at the
/// first chunk that fails.
final class EntryDelivery: Sendable {
    private struct State {
        var remaining: Int
        var failed = false
    }

    private let state: Mutex<State>
    private let onDelivered: @Sendable (KafkaDeliveryReport) -> Void
    private let onFailed: @Sendable (SendFailure) -> Void

    init(chunks: Int, onDelivered: @escaping @Sendable (KafkaDeliveryReport) -> Void, onFailed: @escaping @Sendable (SendFailure) -> Void) {
        state = Mutex(State(remaining: chunks))
        self.onDelivered = onDelivered
        self.onFailed = onFailed
    }

    /// A chunk's delivery report.
    func record(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        outcome(result.mapError { SendFailure(error: $0, beforeQueueing: false) })
    }

    /// A chunk the producer refused before queueing it.
    func refused(_ error: KafkaError) {
        outcome(.failure(SendFailure(error: error, beforeQueueing: true)))
    }

    private func outcome(_ result: Result<KafkaDeliveryReport, SendFailure>) {
        enum Report { case none, delivered(KafkaDeliveryReport), failed(SendFailure) }
        let report = state.withLock { state -> Report in
            guard !state.failed else { return .none }
            switch result {
            case .success(let report):
                state.remaining -= 1
                return state.remaining == 0 ? .delivered(report) : .none
            case .failure(let error):
                state.failed = true
                return .failed(error)
            }
        }
        switch report {
        case .none: break
        case .delivered(let report): onDelivered(report)
        case .failed(let error): onFailed(error)
        }
    }
}
