import CRdKafka
import NIOCore

/// Copies a fetched `rd_kafka_message_t` into a ``KafkaConsumerMessage``.
enum RdKafkaMessageReader {
    static func read(_ message: UnsafePointer<rd_kafka_message_t>) -> KafkaConsumerMessage {
        let pointee = message.pointee
        let topic = pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let key = pointee.key.map { ByteBuffer(bytes: UnsafeRawBufferPointer(start: $0, count: pointee.key_len)) }
        let value = pointee.payload.map { ByteBuffer(bytes: UnsafeRawBufferPointer(start: $0, count: pointee.len)) }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaConsumerMessage(
            topic: topic,
            partition: pointee.partition,
            offset: pointee.offset,
            key: key,
            value: value ?? ByteBuffer(),
            headers: RdKafkaHeaders.read(from: message),
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }
}
