import CRdKafka

/// A rebalance event that librdkafka waits for the application to apply.
///
/// `@unchecked Sendable`: the event pointer is owned by exactly one holder at a time: it moves
/// from the poll that received it into the consumer's locked state and out again to the single
/// caller that applies and destroys it.
struct PendingRebalance: @unchecked Sendable {
    enum Kind: Sendable {
        case assign
        case revoke
    }

    let event: OpaquePointer
    let kind: Kind
    let partitions: [KafkaTopicPartition]
    /// Where reading starts, for partitions the caller positions itself.
    var startOffsets: [KafkaTopicPartition: Int64] = [:]

    /// Reads a `RD_KAFKA_EVENT_REBALANCE` event; takes ownership of it.
    init(event: OpaquePointer) {
        self.event = event
        self.kind = rd_kafka_event_error(event) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? .assign : .revoke
        self.partitions = rd_kafka_event_topic_partition_list(event).map {
            RdKafkaTopicPartitionList.read($0).map(\.topicPartition)
        } ?? []
    }

    /// The event the caller sees.
    var consumerEvent: KafkaConsumerEvent {
        switch kind {
        case .assign: .partitionsAssigned(partitions)
        case .revoke: .partitionsRevoked(partitions)
        }
    }

    /// Applies the assignment change and destroys the event. Blocks briefly; call off the
    /// cooperative pool.
    func apply(to client: RdKafkaClient) -> KafkaError? {
        defer { rd_kafka_event_destroy(event) }
        let list = rd_kafka_event_topic_partition_list(event)
        if kind == .assign, let list {
            let elements = UnsafeMutableBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
            for index in elements.indices {
                let partition = KafkaTopicPartition(topic: String(cString: elements[index].topic), partition: elements[index].partition)
                if let offset = startOffsets[partition] {
                    elements[index].offset = offset
                }
            }
        }
        let cooperative = String(cString: rd_kafka_rebalance_protocol(client.handle)) == "COOPERATIVE"
        if cooperative {
            let error = kind == .assign
                ? rd_kafka_incremental_assign(client.handle, list)
                : rd_kafka_incremental_unassign(client.handle, list)
            return error.map { KafkaError(consuming: $0) }
        }
        let error = rd_kafka_assign(client.handle, kind == .assign ? list : nil)
        return error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(responseError: error)
    }
}
