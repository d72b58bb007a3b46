import CRdKafka
import Logging
import Synchronization

/// A member of a Kafka consumer group.
///
/// Read ``events`` for records and partition changes. Offsets are committed only when the caller
/// says so (``commit(_:)-(KafkaConsumerMessage)``, ``commit(_:)-([KafkaTopicPartitionOffset])``
/// or ``storeOffset(_:)`` with ``commitStoredOffsets()``), which gives at-least-once delivery.
/// Call ``close()`` to leave the group cleanly.
public final class KafkaConsumer: Sendable {
    private struct State {
        var isClosed = false
        var pendingRebalance: PendingRebalance?
    }

    private let client: RdKafkaClient
    private let executor = BlockingExecutor(label: "auditshipper.kafka.consumer")
    private let state = Mutex(State())

    /// How long one poll of librdkafka's queue waits before checking for close and cancellation.
    static let pollTimeout: Duration = .milliseconds(100)

    /// Creates a consumer; it joins its group on ``subscribe(topics:)``.
    /// - Parameters:
    ///   - configuration: The consumer settings.
    ///   - logger: Receives librdkafka's logs and the client's errors.
    /// - Throws: ``KafkaError`` with code `invalidConfiguration` naming a refused property.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        client = try RdKafkaClient(
            kind: .consumer,
            properties: configuration.properties,
            events: RD_KAFKA_EVENT_REBALANCE,
            logger: logger
        )
    }

    /// The records and partition changes of this member.
    public var events: KafkaConsumerEvents { KafkaConsumerEvents(consumer: self, idleInterval: nil) }

    /// The records and partition changes of this member, with ``KafkaConsumerEvent/idle`` whenever
    /// nothing arrived for `interval`.
    public func events(idleAfter interval: Duration) -> KafkaConsumerEvents {
        KafkaConsumerEvents(consumer: self, idleInterval: interval)
    }

    /// Sets where reading starts in partitions of the assignment just delivered as
    /// ``KafkaConsumerEvent/partitionsAssigned(_:)``, instead of the group's committed offsets.
    /// Call it before asking for the next event; partitions not named start at their committed
    /// offsets. This is how a sink whose own storage records progress resumes exactly there.
    /// - Throws: ``KafkaError`` (code `consumer`) when no assignment is waiting to be applied.
    public func startAssignedPartitions(at offsets: [KafkaTopicPartitionOffset]) throws(KafkaError) {
        try state.withLock { state throws(KafkaError) in
            guard var rebalance = state.pendingRebalance, rebalance.kind == .assign else {
                throw KafkaError(.consumer, reason: "no partition assignment is waiting to be applied")
            }
            for offset in offsets { rebalance.startOffsets[offset.topicPartition] = offset.offset }
            state.pendingRebalance = rebalance
        }
    }

    /// Subscribes to `topics`, replacing any previous subscription.
    /// - Throws: ``KafkaError`` when librdkafka refuses the subscription.
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = RdKafkaTopicPartitionList.make(topics.map { KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_subscribe(client.handle, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(responseError: error, reason: "subscribing to \(topics): \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// Leaves the subscription; the assignment is revoked (a
    /// ``KafkaConsumerEvent/partitionsRevoked(_:)`` event follows). Subscribing again rejoins the
    /// group and gets a fresh assignment.
    /// - Throws: ``KafkaError`` when librdkafka refuses.
    public func unsubscribe() throws(KafkaError) {
        let error = rd_kafka_unsubscribe(client.handle)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(responseError: error, reason: "unsubscribing: \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// Marks `message` processed: its offset + 1 is committed by the next ``commitStoredOffsets()``.
    /// - Throws: ``KafkaError`` when the partition is no longer assigned to this member.
    public func storeOffset(_ message: KafkaConsumerMessage) throws(KafkaError) {
        var next = message.position
        next.offset += 1
        let list = RdKafkaTopicPartitionList.make([next])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_offsets_store(client.handle, list)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(responseError: error, reason: "storing offset \(next): \(String(cString: rd_kafka_err2str(error)))")
        }
        if let error = RdKafkaTopicPartitionList.firstError(in: list) { throw error }
    }

    /// Commits the offsets stored with ``storeOffset(_:)`` and waits for the broker to confirm.
    /// - Throws: ``KafkaError`` when the commit fails; nothing stored is an error-free no-op.
    public func commitStoredOffsets() async throws(KafkaError) {
        let client = self.client
        try await executor.run { () throws(KafkaError) in
            let error = rd_kafka_commit(client.handle, nil, 0)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR__NO_OFFSET else {
                throw KafkaError(responseError: error, reason: "commit failed: \(String(cString: rd_kafka_err2str(error)))")
            }
        }
    }

    /// Commits `offsets` (each the next offset to read) and waits for the broker to confirm.
    /// - Throws: ``KafkaError`` when the commit fails for any partition.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let client = self.client
        try await executor.run { () throws(KafkaError) in
            let list = RdKafkaTopicPartitionList.make(offsets)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_commit(client.handle, list, 0)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(responseError: error, reason: "commit of \(offsets) failed: \(String(cString: rd_kafka_err2str(error)))")
            }
            if let error = RdKafkaTopicPartitionList.firstError(in: list) { throw error }
        }
    }

    /// Commits the offset after `message`, so that the group resumes after it.
    /// - Throws: ``KafkaError`` when the commit fails.
    public func commit(_ message: KafkaConsumerMessage) async throws(KafkaError) {
        var next = message.position
        next.offset += 1
        try await commit([next])
    }

    /// The group's committed offsets for `partitions` (an offset below 0 means none).
    /// - Throws: ``KafkaError`` when the group coordinator does not answer within `timeout`.
    public func committedOffsets(
        for partitions: [KafkaTopicPartition],
        timeout: Duration
    ) async throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        let client = self.client
        return try await executor.run { () throws(KafkaError) in
            let list = RdKafkaTopicPartitionList.make(partitions)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_committed(client.handle, list, timeout.timeoutMilliseconds)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(responseError: error, reason: "reading committed offsets: \(String(cString: rd_kafka_err2str(error)))")
            }
            return RdKafkaTopicPartitionList.read(list)
        }
    }

    /// The low and high watermarks of a partition: its first offset and the offset the next
    /// record will get.
    /// - Throws: ``KafkaError`` when the partition leader does not answer within `timeout`.
    public func watermarks(
        for partition: KafkaTopicPartition,
        timeout: Duration
    ) async throws(KafkaError) -> (low: Int64, high: Int64) {
        let client = self.client
        return try await executor.run { () throws(KafkaError) in
            var low: Int64 = 0
            var high: Int64 = 0
            let error = rd_kafka_query_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(responseError: error, reason: "reading the watermarks of \(partition): \(String(cString: rd_kafka_err2str(error)))")
            }
            return (low, high)
        }
    }

    /// Asks a broker for cluster metadata, which also proves a broker is reachable.
    /// - Throws: ``KafkaError`` when no broker answers within `timeout`.
    public func metadata(allTopics: Bool = true, timeout: Duration) async throws(KafkaError) -> KafkaClusterMetadata {
        let client = self.client
        return try await executor.run { () throws(KafkaError) in try client.metadata(allTopics: allTopics, timeout: timeout) }
    }

    /// Leaves the group: applies any pending revocation, lets librdkafka revoke the assignment and
    /// ends ``events``. Offsets not committed before are not committed. Calling it again does nothing.
    /// - Throws: ``KafkaError`` when librdkafka reports an error while closing.
    public func close() async throws(KafkaError) {
        let pending = state.withLock { state -> (Bool, PendingRebalance?) in
            defer {
                state.isClosed = true
                state.pendingRebalance = nil
            }
            return (state.isClosed, state.pendingRebalance)
        }
        guard !pending.0 else { return }
        let client = self.client
        try await executor.run { () throws(KafkaError) in
            if let error = pending.1?.apply(to: client) { throw error }
            // Leaving the subscription first: a close that follows a rejoin (unsubscribe and
            // subscribe a moment before) was seen to leave librdkafka 2.16's group holding a
            // subscription at destroy, where it asserts (rd_kafka_cgrp_destroy_final) and aborts.
            _ = rd_kafka_unsubscribe(client.handle)
            if let error = rd_kafka_consumer_close_queue(client.handle, client.eventQueue) {
                throw KafkaError(consuming: error)
            }
            while rd_kafka_consumer_closed(client.handle) == 0 {
                let batch = ConsumerPollBatch.poll(client, timeout: Self.pollTimeout)
                if let error = batch.rebalance?.apply(to: client) { throw error }
            }
        }
    }

    var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Polls one batch of events; a rebalance at its end is kept until the caller asks again.
    func pollBatch() async throws(KafkaError) -> [KafkaConsumerEvent] {
        let client = self.client
        let batch = await executor.run { ConsumerPollBatch.poll(client, timeout: Self.pollTimeout) }
        if let error = batch.fatalError { throw error }
        if let rebalance = batch.rebalance {
            let closed = state.withLock { state -> Bool in
                if !state.isClosed { state.pendingRebalance = rebalance }
                return state.isClosed
            }
            // Closing serves its own revocation; one polled here must not be left unapplied.
            if closed {
                if let error = await executor.run({ rebalance.apply(to: client) }) { throw error }
                return []
            }
        }
        return batch.events
    }

    /// Applies the rebalance the caller has just seen, if any.
    /// - Throws: ``KafkaError`` only when the client failed fatally; a refused assignment change
    ///   (the group moved on meanwhile) is logged, and the next rebalance corrects it.
    func applyPendingRebalance() async throws(KafkaError) {
        guard let rebalance = state.withLock({ state in defer { state.pendingRebalance = nil }; return state.pendingRebalance })
        else { return }
        let client = self.client
        guard let error = await executor.run({ rebalance.apply(to: client) }) else { return }
        if error.isFatal { throw error }
        client.logger.warning("Kafka consumer could not apply a rebalance", metadata: ["kafka.error": "\(error)"])
    }
}
