/// The events of a ``KafkaConsumer`` as an `AsyncSequence`.
///
/// Records are fetched only as the caller asks for them (at most one poll batch ahead), so a slow
/// caller slows fetching instead of growing a buffer. The sequence ends when the consumer closes
/// or the iterating task is cancelled, and throws when the client hits a fatal error.
/// Iterate it from one task only.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent

    let consumer: KafkaConsumer
    let idleInterval: Duration?

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer, idleInterval: idleInterval)
    }

    /// Iterates a consumer's events.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        let idleInterval: Duration?
        private var buffered: ArraySlice<KafkaConsumerEvent> = []

        init(consumer: KafkaConsumer, idleInterval: Duration?) {
            self.consumer = consumer
            self.idleInterval = idleInterval
        }

        /// The next event, or `nil` once the consumer is closed or the task cancelled.
        /// - Throws: ``KafkaError`` on a fatal client error or a failed rebalance.
        public mutating func next() async throws -> KafkaConsumerEvent? {
            if let event = buffered.popFirst() { return event }
            // A rebalance is always the last event of its batch: the caller has now seen it.
            try await consumer.applyPendingRebalance()
            let idleDeadline = idleInterval.map { ContinuousClock.now + $0 }
            while !Task.isCancelled, !consumer.isClosed {
                buffered = try await consumer.pollBatch()[...]
                if let event = buffered.popFirst() { return event }
                if let idleDeadline, ContinuousClock.now >= idleDeadline { return .idle }
            }
            return nil
        }
    }
}
