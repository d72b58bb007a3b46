import AuditEnvelope
import Foundation
import NIOCore

/// One line of a dead-letter file: a record, or an incomplete chunk set, that could not be
/// archived as an envelope, kept with the reason and its offsets so that nothing is lost silently.
public struct DeadLetter: Codable, Sendable, Equatable {
    /// What was dead-lettered.
    public enum Kind: String, Codable, Sendable {
        /// One record that is not a valid envelope or chunk.
        case invalidRecord
        /// The chunks of an envelope whose other chunks never arrived.
        case incompleteChunkSet
    }

    /// What this is.
    public var kind: Kind
    /// The Kafka topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The offsets of the record or chunks.
    public var offsets: [Int64]
    /// Why it is not archived as an envelope.
    public var reason: String
    /// The exchange id, when known (chunk sets).
    public var exchangeId: String?
    /// Kafka's timestamp of the record (RFC 3339), if any.
    public var timestamp: String?
    /// The record key, base64, if any.
    public var key: String?
    /// The record headers as `[name, value]` pairs.
    public var headers: [[String]]
    /// The record value, or the received chunks in index order, base64.
    public var values: [String]

    /// The dead letter of one invalid record.
    public init(invalid input: ArchiveInput, topic: String, partition: Int32, reason: String) {
        kind = .invalidRecord
        self.topic = topic
        self.partition = partition
        offsets = [input.offset]
        self.reason = reason
        exchangeId = nil
        timestamp = input.timestampMilliseconds.map { RFC3339.format(microseconds: $0 * 1000) }
        key = input.key.map { Data($0.readableBytesView).base64EncodedString() }
        headers = input.record.headers.map { [$0.name, $0.value] }
        values = [Data(input.record.value.readableBytesView).base64EncodedString()]
    }

    /// The dead letter of a chunk set given up.
    public init(incomplete set: ChunkReassembler<Int64>.IncompleteSet, topic: String, partition: Int32) {
        kind = .incompleteChunkSet
        self.topic = topic
        self.partition = partition
        offsets = set.positions.sorted()
        reason = "\(set.reason); received chunks \(set.received) of \(set.count)"
        exchangeId = set.id
        timestamp = nil
        key = nil
        headers = []
        values = set.chunks.map { Data($0.readableBytesView).base64EncodedString() }
    }

    /// The JSON line (without newline).
    /// - Throws: ``ArchiveError`` (`invalidLine`) if Foundation refuses to encode it.
    public func encoded() throws(ArchiveError) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return ByteBuffer(bytes: try encoder.encode(self))
        } catch {
            throw ArchiveError(.invalidLine, "the dead letter of offsets \(offsets) could not be encoded (\(error))")
        }
    }
}
