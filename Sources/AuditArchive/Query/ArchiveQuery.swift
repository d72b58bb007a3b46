import AuditEnvelope
import NIOCore

/// Reads envelopes (exchanges and drop notices) from an archive's segments, in topic, partition
/// and offset order.
///
/// A bad line, file or manifest never stops the reading: it is reported through `onProblem`
/// (naming the file) and the reading goes on with the next line or segment.
public enum ArchiveQuery {
    /// What to do after an exchange.
    public enum Next: Sendable {
        /// Read on.
        case proceed
        /// Stop reading.
        case stop
    }

    /// What a reader checks of each segment before it reads it.
    public struct SegmentChecks: Sendable {
        /// Keys whose signature each manifest must carry; empty: signatures are not checked.
        public var publicKeys: [ManifestPublicKey]

        /// Checks the segment's SHA-256 and size against its manifest, and with `publicKeys` the
        /// manifest's signature.
        public init(publicKeys: [ManifestPublicKey] = []) {
            self.publicKeys = publicKeys
        }

        /// Why the segment of `manifest` at `path` must not be read, if it must not.
        func problem(segmentAt path: String, manifest: SegmentManifest) -> String? {
            if !publicKeys.isEmpty, let problem = manifest.signatureProblem(keys: publicKeys) { return "manifest \(problem); not counted" }
            do throws(ArchiveError) {
                let (bytes, sha256) = try ArchiveDigest.sha256(ofFileAt: path)
                guard bytes == manifest.segment.bytes, sha256 == manifest.segment.sha256 else {
                    return "its bytes do not match its manifest (SHA-256 or size): changed after it was archived; not counted"
                }
                return nil
            } catch {
                return "\(error.reason); not counted"
            }
        }
    }

    /// Calls `body` with each archived exchange that `filter` selects. Segments whose manifest
    /// time range cannot match are skipped unread.
    /// - Parameters:
    ///   - decodeRecords: Decode every exchange record, not only when the filter needs it.
    ///   - checks: When given, a segment is read only once it passes them (its hash against its
    ///     manifest, its signature); one that fails is a problem and is skipped.
    ///   - onChecked: Called for each segment that passed `checks`.
    ///   - onProblem: Called for each line that is not a valid envelope and each segment,
    ///     manifest or irregular file that cannot be read; reading goes on.
    /// - Throws: ``ArchiveError`` only for a missing or unlistable root, or what `body` throws.
    public static func forEach(
        in root: String,
        filter: ExchangeFilter,
        decodeRecords: Bool = false,
        checks: SegmentChecks? = nil,
        onChecked: () -> Void = {},
        onProblem: (ArchiveFinding) -> Void,
        _ body: (ArchivedExchange) throws(ArchiveError) -> Next
    ) throws(ArchiveError) {
        let catalog = try ArchiveCatalog.scan(root: root)
        for path in catalog.irregularFiles {
            onProblem(ArchiveFinding(subject: path, message: "a symbolic link, FIFO or device where archive files belong; not read"))
        }
        for (position, entry) in catalog.entries.enumerated() where entry.kinds.contains(.segment) {
            let manifest: SegmentManifest
            do throws(ArchiveError) {
                guard entry.kinds.contains(.manifest) else {
                    // The newest segment of a partition may be between its rename and its
                    // manifest's: a writer at work, not a problem.
                    let next = catalog.entries.dropFirst(position + 1).first
                    if next.map({ $0.name.topic != entry.name.topic || $0.name.partition != entry.name.partition }) ?? true { continue }
                    throw ArchiveError(.invalidManifest, "the segment has no manifest; not read (run audit-archive verify)")
                }
                manifest = try ManifestFile(path: entry.path(.manifest)).manifest
            } catch {
                onProblem(ArchiveFinding(subject: entry.path(.segment), message: error.reason))
                continue
            }
            guard filter.mayMatch(
                first: manifest.firstEventTime.flatMap(RFC3339.parse),
                last: manifest.lastEventTime.flatMap(RFC3339.parse)
            ) else { continue }
            let path = entry.path(.segment)
            if let checks {
                if let problem = checks.problem(segmentAt: path, manifest: manifest) {
                    onProblem(ArchiveFinding(subject: path, message: problem))
                    continue
                }
                onChecked()
            }
            let limits = SegmentReader.Limits(uncompressedBytes: manifest.uncompressedBytes)
            var lineNumber = 0
            var stopped = false
            do throws(ArchiveError) {
                try SegmentReader.forEachLine(inFileAt: path, limits: limits) { line throws(ArchiveError) in
                    lineNumber += 1
                    guard !stopped else { return }
                    let envelope: AuditEnvelope
                    var record: ExchangeRecord?
                    var notice: DropNotice?
                    do throws(EnvelopeError) {
                        envelope = try StructuredCodec.decode(line)
                        guard filter.matches(envelope) else { return }
                        if envelope.type == DropNotice.eventType {
                            // Not an exchange: only a query without exchange criteria selects it.
                            guard !filter.needsRecord else { return }
                            if decodeRecords { notice = try DropNotice.decode(envelope.data) }
                        } else if decodeRecords || filter.needsRecord {
                            record = try envelope.record()
                        }
                    } catch {
                        onProblem(ArchiveFinding(subject: path, message: "line \(lineNumber) is not a valid envelope (\(error.reason)); skipped"))
                        return
                    }
                    if let record, !filter.matches(record) { return }
                    if try body(ArchivedExchange(line: line, envelope: envelope, record: record, dropNotice: notice, segmentPath: path)) == .stop {
                        stopped = true
                    }
                }
            } catch where !stopped {
                onProblem(ArchiveFinding(subject: path, message: "\(error.reason); the rest of this segment is not read"))
            }
            if stopped { return }
        }
    }
}
