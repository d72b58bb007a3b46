import CRdKafka
import Foundation
import Synchronization

/// A dedicated thread that polls a client's event queue and hands each event to a handler.
///
/// librdkafka's blocking poll runs here, never on the cooperative pool. The handler runs on this
/// thread and must not block.
final class EventPollThread: Sendable {
    private enum State {
        case running
        case stopping(CheckedContinuation<Void, Never>?)
        case stopped
    }

    private let client: RdKafkaClient
    private let state = Mutex(State.running)
    private let handler: @Sendable (OpaquePointer) -> Void

    /// Starts polling at once.
    /// - Parameters:
    ///   - client: The client whose event queue to poll.
    ///   - name: The thread name, for debuggers and `top -H`.
    ///   - handler: Called with each event except logs and errors, which the client handles; the
    ///     event is destroyed when it returns.
    init(client: RdKafkaClient, name: String, handler: @escaping @Sendable (OpaquePointer) -> Void) {
        self.client = client
        self.handler = handler
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.start()
    }

    /// Stops polling and returns once the thread has left its loop.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                switch state {
                case .running:
                    state = .stopping(continuation)
                    return false
                case .stopping(nil):
                    state = .stopping(continuation)
                    return false
                case .stopping(.some), .stopped:
                    return true
                }
            }
            if resumeNow {
                continuation.resume()
            } else {
                rd_kafka_queue_yield(client.eventQueue)
            }
        }
    }

    private var isRunning: Bool {
        state.withLock { if case .running = $0 { true } else { false } }
    }

    private func loop() {
        while isRunning {
            guard let event = rd_kafka_queue_poll(client.eventQueue, 100) else { continue }
            if !client.handleCommonEvent(event) {
                handler(event)
            }
            rd_kafka_event_destroy(event)
        }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state = .stopped }
            if case .stopping(let continuation) = state { return continuation }
            return nil
        }
        waiter?.resume()
    }
}
