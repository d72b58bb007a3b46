import Kafka

/// Reads messages from a consumer until a condition holds or a deadline passes.
enum ConsumerCollector {
    struct TimedOut: Error, CustomStringConvertible {
        let received: Int
        let timeout: Duration
        var detail: String = ""
        var description: String { "timed out after \(timeout) with \(received) messages received \(detail)" }
    }

    /// Reads until `isComplete` returns `true` for the messages received so far.
    /// - Parameter onMessage: Called for each message before it is collected (for example to commit it).
    static func collect(
        from consumer: KafkaConsumer,
        timeout: Duration,
        onMessage: @escaping @Sendable (KafkaConsumerMessage) async throws -> Void = { _ in },
        until isComplete: @escaping @Sendable ([KafkaConsumerMessage]) -> Bool
    ) async throws -> [KafkaConsumerMessage] {
        try await withThrowingTaskGroup(of: [KafkaConsumerMessage]?.self) { group in
            group.addTask {
                var messages: [KafkaConsumerMessage] = []
                for try await event in consumer.events {
                    guard case .message(let message) = event else { continue }
                    try await onMessage(message)
                    messages.append(message)
                    if isComplete(messages) { return messages }
                }
                return messages
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw TimedOut(received: -1, timeout: timeout) }
            return first
        }
    }
}
