import CRdKafka

/// Conversions between offset arrays and `rd_kafka_topic_partition_list_t`.
enum RdKafkaTopicPartitionList {
    /// Creates a list the caller owns and must destroy.
    static func make(_ offsets: [KafkaTopicPartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for entry in offsets {
            let element = rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)!
            element.pointee.offset = entry.offset
        }
        return list
    }

    /// Creates a list of partitions without offsets; the caller owns it.
    static func make(_ partitions: [KafkaTopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        make(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: Int64(RD_KAFKA_OFFSET_INVALID)) })
    }

    /// Copies the entries of a list.
    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartitionOffset] {
        UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt)).map {
            KafkaTopicPartitionOffset(topic: String(cString: $0.topic), partition: $0.partition, offset: $0.offset)
        }
    }

    /// The first per-partition error in a list, if any.
    static func firstError(in list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> KafkaError? {
        for element in UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
        where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return KafkaError(
                responseError: element.err,
                reason: "\(String(cString: element.topic))[\(element.partition)]: \(String(cString: rd_kafka_err2str(element.err)))"
            )
        }
        return nil
    }
}
