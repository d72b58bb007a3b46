import AuditEnvelope
import NIOCore

/// One spooled envelope: its Kafka key, headers and value.
///
/// Payload layout (big-endian): key length u32, key, header count u16, then per header name length
/// u16, name, value length u32, value; then the value to the end.
struct SpoolEntry: Sendable, Equatable {
    var key: ByteBuffer
    var record: EnvelopeRecord

    /// Whether it is a drop notice or a mark rather than an exchange: it is not counted among
    /// the exchanges spooled, replayed or dropped.
    var isProducerEvent: Bool {
        let type = record.header("ce_type")
        return type == DropNotice.eventType || type == ProducerMark.eventType
    }

    static func == (lhs: SpoolEntry, rhs: SpoolEntry) -> Bool {
        lhs.key == rhs.key && lhs.record.headers == rhs.record.headers && lhs.record.value == rhs.record.value
    }

    /// The bytes ``encode(into:)`` writes.
    var encodedBytes: Int {
        record.headers.reduce(4 + key.readableBytes + 2 + record.value.readableBytes) { $0 + 6 + $1.name.utf8.count + $1.value.utf8.count }
    }

    func encode(into buffer: inout ByteBuffer) {
        encodePrefix(into: &buffer)
        buffer.writeImmutableBuffer(record.value)
    }

    /// Writes everything before the value: key and headers.
    func encodePrefix(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(key.readableBytes))
        buffer.writeImmutableBuffer(key)
        buffer.writeInteger(UInt16(record.headers.count))
        for header in record.headers {
            buffer.writeInteger(UInt16(header.name.utf8.count))
            buffer.writeString(header.name)
            buffer.writeInteger(UInt32(header.value.utf8.count))
            buffer.writeString(header.value)
        }
    }

    /// Decodes a payload whose checksum already matched.
    static func decode(_ payload: ByteBuffer) -> SpoolEntry? {
        var buffer = payload
        guard let keyLength = buffer.readInteger(as: UInt32.self), let key = buffer.readSlice(length: Int(keyLength)),
            let headerCount = buffer.readInteger(as: UInt16.self)
        else { return nil }
        var headers: [HeaderField] = []
        for _ in 0..<headerCount {
            guard let nameLength = buffer.readInteger(as: UInt16.self), let name = buffer.readString(length: Int(nameLength)),
                let valueLength = buffer.readInteger(as: UInt32.self), let value = buffer.readString(length: Int(valueLength))
            else { return nil }
            headers.append(HeaderField(name: name, value: value))
        }
        return SpoolEntry(key: key, record: EnvelopeRecord(headers: headers, value: buffer))
    }
}
