import CRdKafka

/// What one poll of the consumer queue produced: records in order, possibly ending with a
/// rebalance that must be applied after the caller has seen everything before it.
struct ConsumerPollBatch: Sendable {
    var events: [KafkaConsumerEvent] = []
    var rebalance: PendingRebalance?
    var fatalError: KafkaError?

    /// The most events taken from the queue in one poll.
    static let maximumEvents = 1024

    /// Polls `client`'s queue, waiting up to `timeout` for the first event and not at all for
    /// the rest. Blocks; call off the cooperative pool.
    static func poll(_ client: RdKafkaClient, timeout: Duration) -> ConsumerPollBatch {
        var batch = ConsumerPollBatch()
        var wait = timeout.timeoutMilliseconds
        while batch.events.count < maximumEvents, batch.rebalance == nil, batch.fatalError == nil,
            let event = rd_kafka_queue_poll(client.eventQueue, wait)
        {
            wait = 0
            switch rd_kafka_event_type(event) {
            case RD_KAFKA_EVENT_REBALANCE:
                let rebalance = PendingRebalance(event: event)
                batch.events.append(rebalance.consumerEvent)
                batch.rebalance = rebalance
                continue  // the event now belongs to `rebalance`
            case RD_KAFKA_EVENT_FETCH:
                batch.readMessages(of: event, client: client)
            default:
                _ = client.handleCommonEvent(event)
            }
            rd_kafka_event_destroy(event)
        }
        return batch
    }

    private mutating func readMessages(of event: OpaquePointer, client: RdKafkaClient) {
        while let message = rd_kafka_event_message_next(event) {
            let error = message.pointee.err
            if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                events.append(.message(RdKafkaMessageReader.read(message)))
            } else if error != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                if let fatal = client.fatalError() {
                    fatalError = fatal
                    return
                }
                let reason = message.pointee.payload.map {
                    String(decoding: UnsafeRawBufferPointer(start: $0, count: message.pointee.len), as: UTF8.self)
                } ?? String(cString: rd_kafka_err2str(error))
                client.logger.warning("Kafka consumer error", metadata: ["kafka.error": "\(KafkaError(responseError: error, reason: reason))"])
            }
        }
    }
}
