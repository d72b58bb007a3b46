import AuditCapture
import Synchronization

/// A sink that numbers exchanges as their responses start, as the publisher does, and keeps what
/// it receives, for tests.
final class NumberingSink: ExchangeSink {
    private let state = Mutex<(last: Int64, received: [CapturedExchange])>((0, []))

    func reserveReceipt() -> ExchangeReceipt? {
        ExchangeReceipt(producer: "test-producer", sequence: state.withLock { state in
            state.last += 1
            return state.last
        })
    }

    func submit(_ exchange: CapturedExchange) {
        state.withLock { $0.received.append(exchange) }
    }

    /// The last number given (0 before the first).
    var lastNumber: Int64 { state.withLock { $0.last } }

    var exchanges: [CapturedExchange] { state.withLock { $0.received } }
}
