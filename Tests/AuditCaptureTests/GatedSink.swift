import AuditCapture
import Synchronization

/// A sink that asks for exchanges before responses end and holds each `submit` until
/// ``open()``, for tests of what a client can see meanwhile.
final class GatedSink: ExchangeSink {
    private struct State {
        var received: [CapturedExchange] = []
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var recordsBeforeResponseEnds: Bool { true }

    func submit(_ exchange: CapturedExchange) async {
        await withCheckedContinuation { continuation in
            let resume = state.withLock { state -> Bool in
                state.received.append(exchange)
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    /// Lets every held and later `submit` return.
    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var exchanges: [CapturedExchange] { state.withLock { $0.received } }
}
