/// The chunk headers of one record, parsed once and checked against the largest envelope a
/// reader accepts, so that code behind it never sees a count, index or size it cannot afford.
public struct ChunkHeader: Sendable, Equatable {
    /// The longest chunk id accepted (exchange ids are 36-character UUIDs).
    public static let maxIDBytes = 256

    /// The exchange id the chunk belongs to.
    public let id: String
    /// Its 0-based index.
    public let index: Int
    /// How many chunks the set has.
    public let count: Int
    /// The size of the whole envelope value.
    public let totalBytes: Int

    /// Reads the chunk headers of `record`.
    /// - Parameters:
    ///   - maxEnvelopeBytes: The largest whole envelope accepted.
    /// - Returns: `nil` when the record is not a chunk (it has no chunk id).
    /// - Throws: ``EnvelopeError`` (`invalidChunk`) when a header is missing, not a number, out of
    ///   range, or inconsistent with the record's own size.
    public static func parse(_ record: EnvelopeRecord, maxEnvelopeBytes: Int) throws(EnvelopeError) -> ChunkHeader? {
        guard let id = record.header(EnvelopeChunker.idHeader) else { return nil }
        guard !id.isEmpty, id.utf8.count <= maxIDBytes else {
            throw EnvelopeError(.invalidChunk, "chunk id is empty or longer than \(maxIDBytes) bytes")
        }
        func number(_ name: String) throws(EnvelopeError) -> Int {
            guard let text = record.header(name), text.utf8.count <= 19, let value = Int(text), value >= 0 else {
                throw EnvelopeError(.invalidChunk, "chunk of \(id): header \(name) is missing or not a non-negative number")
            }
            return value
        }
        let index = try number(EnvelopeChunker.indexHeader)
        let count = try number(EnvelopeChunker.countHeader)
        let totalBytes = try number(EnvelopeChunker.totalBytesHeader)
        let valueBytes = record.value.readableBytes
        guard totalBytes <= maxEnvelopeBytes else {
            throw EnvelopeError(.invalidChunk, "chunk of \(id) announces \(totalBytes) bytes, over the \(maxEnvelopeBytes)-byte envelope limit")
        }
        guard count >= 1, count <= max(1, totalBytes) else {
            throw EnvelopeError(.invalidChunk, "chunk of \(id) announces \(count) chunks for \(totalBytes) bytes")
        }
        guard index < count else {
            throw EnvelopeError(.invalidChunk, "chunk of \(id) has index \(index), not below its count \(count)")
        }
        guard valueBytes <= totalBytes, count == 1 || valueBytes > 0 else {
            throw EnvelopeError(.invalidChunk, "chunk \(index) of \(id) holds \(valueBytes) bytes of an envelope of \(totalBytes)")
        }
        return ChunkHeader(id: id, index: index, count: count, totalBytes: totalBytes)
    }
}
