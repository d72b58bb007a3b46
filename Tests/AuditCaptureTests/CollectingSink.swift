import AuditCapture
import Synchronization

/// A sink that keeps what it receives, for tests.
final class CollectingSink: ExchangeSink {
    private let received = Mutex<[CapturedExchange]>([])

    func submit(_ exchange: CapturedExchange) {
        received.withLock { $0.append(exchange) }
    }

    var exchanges: [CapturedExchange] { received.withLock { $0 } }

    /// Waits up to two seconds for `count` exchanges.
    func wait(for count: Int) async throws -> [CapturedExchange] {
        for _ in 0..<200 where exchanges.count < count {
            try await Task.sleep(for: .milliseconds(10))
        }
        return exchanges
    }
}
