import AuditArchive
import AuditEnvelope
import Foundation
import Logging
import NIOCore
import Testing

/// Envelopes, records and a temporary archive root for archive tests.
struct ArchiveFixture {
    let root: String
    let topic = "audit.test"
    let logger = Logger(label: "archive-test")

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("archive-test-\(UUID().uuidString)").path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    func configuration(maxRecords: Int = 10_000) -> ArchiveConfiguration {
        var configuration = ArchiveConfiguration(root: root)
        configuration.rotation.maxRecords = maxRecords
        return configuration
    }

    func archiver(_ configuration: ArchiveConfiguration, partition: Int32 = 0) throws -> PartitionArchiver {
        try PartitionArchiver(topic: topic, partition: partition, configuration: configuration, chunkBudget: ChunkMemoryBudget(), logger: logger)
    }

    /// An exchange envelope with a JSON response body of about `bodyBytes` bytes.
    static func envelope(index: Int, bodyBytes: Int = 64, time: Int64 = 1_795_258_073_000_000) -> AuditEnvelope {
        let body = ByteBuffer(string: "{\"index\":\(index),\"pad\":\"\(String(repeating: "x", count: bodyBytes))\"}")
        let record = ExchangeRecord(
            exchangeID: UUIDv7.generate(), requestID: "req-\(index)", route: "/api/items/{id}", method: "POST",
            target: "/api/items/\(index)", path: "/api/items/\(index)", status: 200 + index % 2, outcome: .completed, outcomeDetail: nil,
            clientAddress: "127.0.0.1", traceparent: nil,
            timings: ExchangeTimings(start: time + Int64(index), firstResponseByte: nil, end: time + Int64(index) + 10),
            request: HTTPMessageRecord(headers: [], body: BodyRecord(size: 0, truncated: false, sha256: "", contentType: nil, contentEncoding: nil, data: ByteBuffer())),
            response: HTTPMessageRecord(
                headers: [HeaderField(name: "Content-Type", value: "application/json")],
                body: BodyRecord(size: body.readableBytes, truncated: false, sha256: "", contentType: "application/json", contentEncoding: nil, data: body)
            ),
            redactions: []
        )
        return AuditEnvelope(record: record, source: "test")
    }

    /// The Kafka records of `envelope`, chunked at `messageMaxBytes`.
    static func records(_ envelope: AuditEnvelope, messageMaxBytes: Int = 1_000_000) -> [EnvelopeRecord] {
        EnvelopeChunker.records(for: envelope, messageMaxBytes: messageMaxBytes)
    }

    /// Archived exchange ids in archive order.
    func archivedIDs() throws -> [String] {
        var ids: [String] = []
        try ArchiveQuery.forEach(in: root, filter: ExchangeFilter(), onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
            ids.append(exchange.envelope.id)
            return .proceed
        }
        return ids
    }

    /// The paths of files of `kind` under the root, sorted.
    func files(_ kind: SegmentFileName.Kind) throws -> [String] {
        try ArchiveCatalog.scan(root: root).entries.filter { $0.kinds.contains(kind) }.map { $0.path(kind) }
    }
}
