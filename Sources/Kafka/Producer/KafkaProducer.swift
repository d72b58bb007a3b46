import CRdKafka
import Logging
import NIOCore

/// Produces records to Kafka and reports each record's delivery outcome exactly once.
///
/// Delivery reports arrive on librdkafka's event queue, polled by a dedicated thread; the
/// cooperative thread pool never blocks. When librdkafka's local queue is full, ``enqueue(_:onDelivery:)``
/// and ``send(_:)`` wait for room (and honour task cancellation) instead of failing.
///
/// Call ``close(timeout:)`` before releasing the producer: it flushes what is queued and reports
/// anything it could not deliver in time as failed.
public final class KafkaProducer: Sendable {
    private let client: RdKafkaClient
    private let pollThread: EventPollThread
    private let queueSpace = QueueSpaceWaiters()
    private let gate = ProducerGate()
    private let executor = BlockingExecutor(label: "auditshipper.kafka.producer")
    private let logger: Logger

    /// Creates a producer; no broker is contacted until the first record or metadata request.
    /// - Parameters:
    ///   - configuration: The producer settings.
    ///   - logger: Receives librdkafka's logs and the client's errors.
    /// - Throws: ``KafkaError`` with code `invalidConfiguration` naming a refused property.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        let client = try RdKafkaClient(
            kind: .producer,
            properties: configuration.properties,
            events: RD_KAFKA_EVENT_DR,
            logger: logger
        )
        let queueSpace = self.queueSpace
        self.client = client
        self.logger = logger
        self.pollThread = EventPollThread(client: client, name: "kafka-producer-events") { event in
            guard rd_kafka_event_type(event) == RD_KAFKA_EVENT_DR else { return }
            KafkaProducer.reportDeliveries(in: event)
            queueSpace.signal()
        }
    }

    /// Hands a record to librdkafka and returns once it is queued there; `onDelivery` is called
    /// exactly once with the outcome, on the producer's event thread (it must not block).
    ///
    /// Records enqueued one after another to the same partition are delivered in that order.
    /// - Parameters:
    ///   - message: The record.
    ///   - onDelivery: Receives the partition and offset, or the reason the record was not stored.
    /// - Throws: ``KafkaError`` when the record is refused before queueing (too large, unknown
    ///   partition, producer closed or failed), or `CancellationError` while waiting for room.
    public func enqueue(
        _ message: KafkaProducerMessage,
        onDelivery: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void
    ) async throws {
        let callback = DeliveryCallback(value: message.value, onDelivery)
        while true {
            let seen = queueSpace.generation
            let error = try produce(message, callback: callback)
            guard let error else { return }
            guard error == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
                throw client.fatalError() ?? KafkaError(responseError: error, reason: reason(for: error, message))
            }
            try await queueSpace.wait(after: seen)
        }
    }

    /// Produces a record and waits for its delivery outcome.
    /// - Parameter message: The record.
    /// - Returns: Where the broker stored the record.
    /// - Throws: ``KafkaError`` when the record is refused or its delivery fails, or
    ///   `CancellationError` while waiting for room in the local queue.
    public func send(_ message: KafkaProducerMessage) async throws -> KafkaDeliveryReport {
        let promise = DeliveryPromise()
        try await enqueue(message) { promise.fulfil($0) }
        return try await promise.value
    }

    /// Waits until every queued record has a delivery outcome, or `timeout` passes.
    /// - Throws: ``KafkaError`` with code `timedOut`, naming how many records are still pending.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let client = self.client
        let error = await executor.run { rd_kafka_flush(client.handle, timeout.timeoutMilliseconds) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                responseError: error,
                reason: "\(rd_kafka_outq_len(client.handle)) messages and requests still pending after \(timeout)"
            )
        }
    }

    /// The fatal error that made this producer unusable, if any (for example an idempotence
    /// violation after a broker lost its producer state). A producer with a fatal error fails
    /// every send; create a new one.
    public var fatalError: KafkaError? { client.fatalError() }

    /// The number of records and requests librdkafka has not finished with.
    public var pendingCount: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Asks a broker for cluster metadata, which also proves a broker is reachable.
    /// - Parameters:
    ///   - allTopics: Whether to list every topic of the cluster, not only those this client used.
    ///   - timeout: How long to wait for an answer.
    /// - Throws: ``KafkaError`` when no broker answers within `timeout`.
    public func metadata(allTopics: Bool = true, timeout: Duration) async throws(KafkaError) -> KafkaClusterMetadata {
        let client = self.client
        return try await executor.run { () throws(KafkaError) in try client.metadata(allTopics: allTopics, timeout: timeout) }
    }

    /// Stops accepting records, flushes for up to `timeout`, reports what is left as failed
    /// (code `closed`) and stops the event thread. Calling it again does nothing.
    /// - Parameter timeout: How long to wait for outstanding deliveries.
    public func close(timeout: Duration = .seconds(30)) async {
        guard gate.close() else { return }
        queueSpace.close(with: KafkaError(.closed, reason: "the producer was closed while waiting for queue space"))
        while gate.hasCallsInProgress {
            await Task.yield()
        }
        do {
            try await flush(timeout: timeout)
        } catch {
            logger.warning("Kafka producer closing with undelivered messages; reporting them as failed", metadata: ["kafka.error": "\(error)"])
            let client = self.client
            await executor.run {
                rd_kafka_purge(client.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                // Purged messages get their delivery reports through the event thread.
                _ = rd_kafka_flush(client.handle, 5_000)
            }
        }
        await pollThread.stop()
    }

    /// Calls `auditshipper_produce`; returns librdkafka's refusal, if any.
    private func produce(_ message: KafkaProducerMessage, callback: DeliveryCallback) throws(KafkaError) -> rd_kafka_resp_err_t? {
        guard gate.enter() else {
            throw KafkaError(.closed, reason: "the producer is closed; no more messages are accepted")
        }
        defer { gate.leave() }
        let headers = RdKafkaHeaders.make(message.headers)
        let opaque = Unmanaged.passRetained(callback).toOpaque()
        let partition = message.partition ?? RD_KAFKA_PARTITION_UA
        // librdkafka keeps the value's address until the delivery report (no copy): the bytes
        // are `callback.value`'s storage, which the callback keeps alive and unchanged until
        // then, and which a `ByteBuffer` never moves while another reference to it exists.
        let error = callback.value.withUnsafeReadableBytes { value in
            withKey(message.key) { key in
                auditshipper_produce(
                    client.handle, message.topic, partition,
                    key.baseAddress, key.count, value.baseAddress, value.count,
                    headers, opaque
                )
            }
        }
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        Unmanaged<DeliveryCallback>.fromOpaque(opaque).release()
        if let headers { rd_kafka_headers_destroy(headers) }
        return error
    }

    private func withKey<Result>(_ key: ByteBuffer?, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        guard let key else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return key.withUnsafeReadableBytes(body)
    }

    private func reason(for error: rd_kafka_resp_err_t, _ message: KafkaProducerMessage) -> String {
        let detail = String(cString: rd_kafka_err2str(error))
        if error == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE {
            return "message of \(message.value.readableBytes) bytes to topic '\(message.topic)' exceeds message.max.bytes: \(detail)"
        }
        return "message to topic '\(message.topic)' refused: \(detail)"
    }

    /// Calls each message's delivery callback; runs on the event thread.
    private static func reportDeliveries(in event: OpaquePointer) {
        while let message = rd_kafka_event_message_next(event) {
            let pointee = message.pointee
            guard let opaque = pointee._private else { continue }
            let callback = Unmanaged<DeliveryCallback>.fromOpaque(opaque).takeRetainedValue()
            if pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                let topic = pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
                let offset = pointee.offset >= 0 ? pointee.offset : nil
                callback.body(.success(KafkaDeliveryReport(topic: topic, partition: pointee.partition, offset: offset)))
            } else {
                callback.body(.failure(KafkaError(responseError: pointee.err)))
            }
        }
    }
}
