import CRdKafka
import NIOCore

/// Conversions between ``KafkaHeader`` arrays and `rd_kafka_headers_t`.
enum RdKafkaHeaders {
    /// Creates a header list the caller owns, or `nil` for no headers.
    static func make(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty else { return nil }
        let list = rd_kafka_headers_new(headers.count)!
        for header in headers {
            if let value = header.value {
                value.withUnsafeReadableBytes { bytes in
                    _ = rd_kafka_header_add(list, header.key, -1, bytes.baseAddress, bytes.count)
                }
            } else {
                _ = rd_kafka_header_add(list, header.key, -1, nil, 0)
            }
        }
        return list
    }

    /// Copies the headers of a message librdkafka owns.
    static func read(from message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        headers.reserveCapacity(rd_kafka_header_cnt(list))
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let key = name.map { String(cString: $0) } ?? ""
            let buffer = value.map { ByteBuffer(bytes: UnsafeRawBufferPointer(start: $0, count: size)) }
            headers.append(KafkaHeader(key: key, value: buffer))
            index += 1
        }
        return headers
    }
}
