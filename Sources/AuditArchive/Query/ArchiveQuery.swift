import AuditEnvelope
import NIOCore

/// Reads envelopes from an archive's segments, in topic, partition and offset order.
public enum ArchiveQuery {
    /// What to do after an exchange.
    public enum Next: Sendable {
        /// Read on.
        case proceed
        /// Stop reading.
        case stop
    }

    /// Calls `body` with each archived exchange that `filter` selects. Segments whose manifest
    /// time range cannot match are skipped unread.
    /// - Parameters:
    ///   - decodeRecords: Decode every exchange record, not only when the filter needs it.
    /// - Throws: ``ArchiveError`` for a missing root or an unreadable, truncated or invalid file
    ///   (naming it), or what `body` throws.
    public static func forEach(
        in root: String,
        filter: ExchangeFilter,
        decodeRecords: Bool = false,
        _ body: (ArchivedExchange) throws(ArchiveError) -> Next
    ) throws(ArchiveError) {
        let catalog = try ArchiveCatalog.scan(root: root)
        for entry in catalog.entries where entry.kinds.contains(.manifest) && entry.kinds.contains(.segment) {
            let manifest = try ManifestFile(path: entry.path(.manifest)).manifest
            guard filter.mayMatch(
                first: manifest.firstEventTime.flatMap(RFC3339.parse),
                last: manifest.lastEventTime.flatMap(RFC3339.parse)
            ) else { continue }
            var stopped = false
            let path = entry.path(.segment)
            try SegmentReader.forEachLine(inFileAt: path) { line throws(ArchiveError) in
                guard !stopped else { return }
                let envelope: AuditEnvelope
                var record: ExchangeRecord?
                do throws(EnvelopeError) {
                    envelope = try StructuredCodec.decode(line)
                    guard filter.matches(envelope) else { return }
                    if decodeRecords || filter.needsRecord { record = try envelope.record() }
                } catch {
                    throw ArchiveError(.invalidLine, "\(path): a line is not a valid envelope (\(error.reason)); run audit-archive verify")
                }
                if let record, !filter.matches(record) { return }
                if try body(ArchivedExchange(line: line, envelope: envelope, record: record, segmentPath: path)) == .stop {
                    stopped = true
                }
            }
            if stopped { return }
        }
    }
}
