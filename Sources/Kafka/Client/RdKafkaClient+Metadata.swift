import CRdKafka

extension RdKafkaClient {
    /// Asks a broker for cluster metadata; blocks up to `timeout`.
    func metadata(allTopics: Bool, timeout: Duration) throws(KafkaError) -> KafkaClusterMetadata {
        var pointer: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(handle, allTopics ? 1 : 0, nil, &pointer, timeout.timeoutMilliseconds)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let pointer else {
            throw KafkaError(responseError: error, reason: "no metadata from the cluster within \(timeout): \(String(cString: rd_kafka_err2str(error)))")
        }
        defer { rd_kafka_metadata_destroy(pointer) }
        let metadata = pointer.pointee
        let brokers = UnsafeBufferPointer(start: metadata.brokers, count: Int(metadata.broker_cnt)).map {
            KafkaClusterMetadata.Broker(id: $0.id, host: String(cString: $0.host), port: $0.port)
        }
        var partitionCounts: [String: Int] = [:]
        for topic in UnsafeBufferPointer(start: metadata.topics, count: Int(metadata.topic_cnt))
        where topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            partitionCounts[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return KafkaClusterMetadata(brokers: brokers, partitionCounts: partitionCounts)
    }
}
