import NIOCore

/// Splits envelopes larger than the Kafka message limit into ordered chunks.
///
/// Every chunk carries `auditshipper_chunk_id` (the exchange id), `auditshipper_chunk_index`
/// (0-based), `auditshipper_chunk_count` and `auditshipper_chunk_total_bytes`, with content type
/// `application/vnd.auditshipper.chunk`; the first chunk also carries the envelope's `ce_*`
/// headers. Chunks are produced with the envelope's key, so they land on one partition in order.
/// An envelope that fits is one ordinary CloudEvents record.
public enum EnvelopeChunker {
    /// Header names and the chunk content type.
    public static let idHeader = "auditshipper_chunk_id"
    public static let indexHeader = "auditshipper_chunk_index"
    public static let countHeader = "auditshipper_chunk_count"
    public static let totalBytesHeader = "auditshipper_chunk_total_bytes"
    public static let chunkContentType = "application/vnd.auditshipper.chunk"

    /// Bytes reserved in each record for headers, key and record overhead.
    public static let recordOverhead = 16 * 1024

    /// The records of `envelope` for a Kafka message limit of `messageMaxBytes`.
    public static func records(for envelope: AuditEnvelope, messageMaxBytes: Int) -> [EnvelopeRecord] {
        split(EnvelopeRecord(headers: KafkaBinaryCodec.headers(for: envelope), value: envelope.data), id: envelope.id, messageMaxBytes: messageMaxBytes)
    }

    /// The records of a whole-envelope record (binary mode: `ce_*` headers and the data) for a
    /// Kafka message limit of `messageMaxBytes`: the record itself when it fits, else its chunks.
    public static func split(_ record: EnvelopeRecord, id: String, messageMaxBytes: Int) -> [EnvelopeRecord] {
        let total = record.value.readableBytes
        let chunkSize = max(1024, messageMaxBytes - recordOverhead)
        guard total > chunkSize else { return [record] }
        let count = (total + chunkSize - 1) / chunkSize
        return (0..<count).map { index in
            let start = index * chunkSize
            let length = min(chunkSize, total - start)
            var chunkHeaders = [
                HeaderField(name: idHeader, value: id),
                HeaderField(name: indexHeader, value: String(index)),
                HeaderField(name: countHeader, value: String(count)),
                HeaderField(name: totalBytesHeader, value: String(total)),
            ]
            if index == 0 {
                chunkHeaders += record.headers.filter { $0.name != "content-type" }
            }
            chunkHeaders.append(HeaderField(name: "content-type", value: chunkContentType))
            return EnvelopeRecord(
                headers: chunkHeaders,
                value: record.value.getSlice(at: record.value.readerIndex + start, length: length)!
            )
        }
    }

    /// Whether a record is a chunk (rather than a whole envelope).
    public static func isChunk(_ record: EnvelopeRecord) -> Bool {
        record.header(idHeader) != nil
    }
}
