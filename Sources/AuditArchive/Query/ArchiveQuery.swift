import AuditEnvelope
import NIOCore

/// Reads envelopes (exchanges and drop notices) from an archive's segments, in topic, partition
/// and offset order, through an ``ArchiveStore``.
///
/// Only the `hour=` directories the filter's time range (or exchange id) can touch are listed
/// (``ExchangeFilter/hours``), of its topic only when it names one, and only its partition's
/// segments are read when it names one. A segment with an index is read by its index: the entries that
/// may match name the gzip members to read, each a byte range decompressed on its own, and
/// nothing else of the segment is read. A segment without one (written before indexes) is
/// read whole, once its manifest's time range says it may match. With ``SegmentChecks`` every
/// segment is read whole, since its SHA-256 covers all of it.
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

        /// Why the segment of `manifest` must not be read, if it must not: its signature (with
        /// keys); its bytes are checked while they are read.
        func signatureProblem(_ manifest: SegmentManifest) -> String? {
            guard !publicKeys.isEmpty, let problem = manifest.signatureProblem(keys: publicKeys) else { return nil }
            return "manifest \(problem); not counted"
        }
    }

    /// What a query is about to read, once the directories are listed.
    public struct Plan: Sendable {
        /// The `hour=` directories the time bounds select; `nil` when there are none (all).
        public var hours: ArchiveCatalog.HourRange
        /// Directories listed.
        public var directoriesListed = 0
        /// Segments read through their index, and their index files' bytes.
        public var indexedSegments = 0
        public var indexBytes = 0
        /// Segments read whole (no index, or checks asked for), and their bytes.
        public var scannedSegments = 0
        public var scannedBytes = 0
    }

    /// Calls `body` with each archived exchange that `filter` selects in the directory archive
    /// at `root`.
    public static func forEach(
        in root: String,
        filter: ExchangeFilter,
        decodeRecords: Bool = false,
        checks: SegmentChecks? = nil,
        onChecked: () -> Void = {},
        onProblem: (ArchiveFinding) -> Void,
        _ body: (ArchivedExchange) throws(ArchiveError) -> Next
    ) throws(ArchiveError) {
        try forEach(in: DirectoryArchiveStore(root: root), filter: filter, decodeRecords: decodeRecords, checks: checks,
                    onChecked: onChecked, onProblem: onProblem, body)
    }

    /// Calls `body` with each archived exchange that `filter` selects.
    /// - Parameters:
    ///   - decodeRecords: Decode every exchange record, not only when the filter needs it.
    ///   - checks: When given, each segment is read whole and counted only if its bytes match its
    ///     manifest's SHA-256 and size (and its signature verifies, with keys); one that fails
    ///     is a problem, and what was read of it is not handed on.
    ///   - onPlan: Called once the directories are listed, with what will be read.
    ///   - onChecked: Called for each segment that passed `checks`.
    ///   - onProblem: Called for each line that is not a valid envelope and each segment,
    ///     index, manifest or irregular file that cannot be read; reading goes on.
    /// - Throws: ``ArchiveError`` only for a missing or unlistable root, or what `body` throws.
    public static func forEach(
        in store: any ArchiveStore,
        filter: ExchangeFilter,
        decodeRecords: Bool = false,
        checks: SegmentChecks? = nil,
        onPlan: (Plan) -> Void = { _ in },
        onChecked: () -> Void = {},
        onProblem: (ArchiveFinding) -> Void,
        _ body: (ArchivedExchange) throws(ArchiveError) -> Next
    ) throws(ArchiveError) {
        var catalog = try ArchiveCatalog.scan(store, topic: filter.topic, hours: filter.hours)
        if let partition = filter.partition { catalog.entries.removeAll { $0.name.partition != partition } }
        for path in catalog.irregularFiles {
            onProblem(ArchiveFinding(subject: path, message: "a symbolic link, FIFO or device where archive files belong; not read"))
        }
        var plan = Plan(hours: filter.hours, directoriesListed: catalog.directoriesListed)
        for entry in catalog.entries where entry.kinds.contains(.segment) {
            if checks == nil, entry.kinds.contains(.index) {
                plan.indexedSegments += 1
                plan.indexBytes += entry.sizes[.index] ?? 0
            } else {
                plan.scannedSegments += 1
                plan.scannedBytes += entry.sizes[.segment] ?? 0
            }
        }
        onPlan(plan)
        try withoutActuallyEscaping(onProblem) { onProblem throws(ArchiveError) in
            try withoutActuallyEscaping(body) { body throws(ArchiveError) in
                var reader = Reader(store: store, filter: filter, decodeRecords: decodeRecords, onProblem: onProblem, body: body)
                try reader.read(catalog, checks: checks, onChecked: onChecked)
            }
        }
    }

    /// The reading of one query: segments one after the other, lines handed on until `body`
    /// says stop. Its closures live only as long as the query.
    private struct Reader {
        let store: any ArchiveStore
        let filter: ExchangeFilter
        let decodeRecords: Bool
        let onProblem: (ArchiveFinding) -> Void
        let body: (ArchivedExchange) throws(ArchiveError) -> Next
        private(set) var stopped = false

        init(store: any ArchiveStore, filter: ExchangeFilter, decodeRecords: Bool, onProblem: @escaping (ArchiveFinding) -> Void, body: @escaping (ArchivedExchange) throws(ArchiveError) -> Next) {
            self.store = store
            self.filter = filter
            self.decodeRecords = decodeRecords
            self.onProblem = onProblem
            self.body = body
        }

        /// Reads the catalog's segments in order.
        mutating func read(_ catalog: ArchiveCatalog, checks: SegmentChecks?, onChecked: () -> Void) throws(ArchiveError) {
            for (position, entry) in catalog.entries.enumerated() where entry.kinds.contains(.segment) {
                guard entry.kinds.contains(.manifest) else {
                    // The newest segment of a partition may be between its rename and its
                    // manifest's: a writer at work, not a problem.
                    let next = catalog.entries.dropFirst(position + 1).first
                    if next.map({ $0.name.topic != entry.name.topic || $0.name.partition != entry.name.partition }) ?? true { continue }
                    onProblem(ArchiveFinding(subject: entry.path(.segment), message: "the segment has no manifest; not read (run audit-archive verify)"))
                    continue
                }
                if checks == nil, entry.kinds.contains(.index) {
                    try readIndexed(entry)
                } else {
                    try readWhole(entry, checks: checks, onChecked: onChecked)
                }
                if stopped { return }
            }
        }

        /// Reads the members of `entry` whose index entries may match.
        mutating func readIndexed(_ entry: ArchiveCatalog.Entry) throws(ArchiveError) {
            let index: SegmentIndex
            do throws(ArchiveError) {
                index = try SegmentIndex.read(in: store, path: entry.relative(.index))
            } catch {
                onProblem(ArchiveFinding(subject: entry.path(.index), message: "\(error.reason); reading the segment whole instead"))
                try readWhole(entry, checks: nil, onChecked: {})
                return
            }
            var seen = Set<SegmentIndex.Member>()
            let members = index.entries.filter(filter.mayMatch).map(\.member).filter { seen.insert($0).inserted }
            // Each member's first line, so that a line read from it knows its number in the segment.
            var firstLines: [SegmentIndex.Member: Int] = [:]
            for indexEntry in index.entries where firstLines[indexEntry.member] == nil { firstLines[indexEntry.member] = indexEntry.line }
            let segmentBytes = entry.sizes[.segment] ?? 0
            for member in members {
                guard member.offset <= segmentBytes, member.length <= segmentBytes - member.offset else {
                    onProblem(ArchiveFinding(subject: entry.path(.index), message: "names bytes \(member.offset)+\(member.length), past the segment's \(segmentBytes); not read (run audit-archive verify)"))
                    continue
                }
                // A member holds about a MiB of lines, or one envelope: bounded like a file
                // whose size before compression nobody recorded.
                try readLines(entry, range: member.range, firstLine: firstLines[member] ?? 1, limits: .unrecordedSize)
                if stopped { return }
            }
        }

        /// Reads `entry`'s segment whole, after its manifest: skipped when its time range cannot
        /// match, and with `checks`, hashed while read and handed on only once it matches.
        mutating func readWhole(_ entry: ArchiveCatalog.Entry, checks: SegmentChecks?, onChecked: () -> Void) throws(ArchiveError) {
            let manifest: SegmentManifest
            do throws(ArchiveError) {
                guard let bytes = try store.read(entry.relative(.manifest), maxBytes: ManifestFile.maxBytes) else {
                    throw ArchiveError(.invalidManifest, "the manifest is gone; not read")
                }
                manifest = try ManifestFile(bytes: bytes, path: entry.path(.manifest)).manifest
            } catch {
                onProblem(ArchiveFinding(subject: entry.path(.segment), message: error.reason))
                return
            }
            guard filter.mayMatch(
                first: manifest.firstEventTime.flatMap(RFC3339.parse),
                last: manifest.lastEventTime.flatMap(RFC3339.parse)
            ) else { return }
            let limits = SegmentReader.Limits(uncompressedBytes: manifest.uncompressedBytes)
            guard let checks else {
                try readLines(entry, range: nil, limits: limits)
                return
            }
            if let problem = checks.signatureProblem(manifest) {
                onProblem(ArchiveFinding(subject: entry.path(.segment), message: problem))
                return
            }
            // Held until the bytes are known to match: a checked reader counts nothing of a
            // segment that fails.
            var held: [ArchivedExchange] = []
            let digest = try readLines(entry, range: nil, limits: limits, hashing: true) { exchange throws(ArchiveError) in
                held.append(exchange)
                return .proceed
            }
            guard let digest, digest.bytes == manifest.segment.bytes, digest.sha256 == manifest.segment.sha256 else {
                onProblem(ArchiveFinding(subject: entry.path(.segment), message: "its bytes do not match its manifest (SHA-256 or size): changed after it was archived; not counted"))
                return
            }
            onChecked()
            for exchange in held where !stopped {
                if try body(exchange) == .stop { stopped = true }
            }
        }

        /// Hands the matching lines of `entry`'s segment (or of its bytes `range`, whose first
        /// line is the segment's `firstLine`) to `handle` (``body`` when not given) until it
        /// says stop.
        /// - Returns: With `hashing`, the size and SHA-256 of the bytes, `nil` when the segment
        ///   could not be read to its end (a problem then says why).
        @discardableResult
        private mutating func readLines(
            _ entry: ArchiveCatalog.Entry,
            range: Range<Int>?,
            firstLine: Int = 1,
            limits: SegmentReader.Limits,
            hashing: Bool = false,
            _ handle: ((ArchivedExchange) throws(ArchiveError) -> Next)? = nil
        ) throws(ArchiveError) -> (bytes: Int, sha256: String)? {
            let path = entry.path(.segment)
            // Line numbers count from the start of what is read: a member names itself.
            let subject = range.map { "\(path) (the member at bytes \($0.lowerBound)-\($0.upperBound - 1))" } ?? path
            let handle = handle ?? body
            var lineNumber = 0
            var stoppedHere = false
            var digest: (bytes: Int, sha256: String)?
            do throws(ArchiveError) {
                digest = try SegmentReader.forEachLine(in: store, path: entry.relative(.segment), range: range, limits: limits, hashing: hashing) { line throws(ArchiveError) in
                    lineNumber += 1
                    guard !stoppedHere, let exchange = match(line, lineNumber: lineNumber, subject: subject, entry: entry, segmentLine: firstLine + lineNumber - 1) else { return }
                    if try handle(exchange) == .stop { stoppedHere = true }
                }
            } catch where !stoppedHere {
                onProblem(ArchiveFinding(subject: subject, message: "\(error.reason); the rest of this segment is not read"))
            }
            if stoppedHere { stopped = true }
            return digest
        }

        /// The exchange on `line` (line `segmentLine` of `entry`'s segment) if the filter selects
        /// it; a line that is not a valid envelope is a problem about `subject` (the segment, or
        /// its member read) and its `lineNumber` there.
        private func match(_ line: ByteBuffer, lineNumber: Int, subject: String, entry: ArchiveCatalog.Entry, segmentLine: Int) -> ArchivedExchange? {
            let envelope: AuditEnvelope
            var record: ExchangeRecord?
            var notice: DropNotice?
            var mark: ProducerMark?
            do throws(EnvelopeError) {
                envelope = try StructuredCodec.decode(line)
                guard filter.matches(envelope) else { return nil }
                if envelope.type == DropNotice.eventType || envelope.type == ProducerMark.eventType {
                    // Not an exchange: only a query without exchange criteria selects it.
                    guard !filter.needsRecord else { return nil }
                    if decodeRecords, envelope.type == DropNotice.eventType { notice = try DropNotice.decode(envelope.data) }
                    if decodeRecords, envelope.type == ProducerMark.eventType { mark = try ProducerMark.decode(envelope.data) }
                } else if decodeRecords || filter.needsRecord {
                    record = try envelope.record()
                }
            } catch {
                onProblem(ArchiveFinding(subject: subject, message: "line \(lineNumber) is not a valid envelope (\(error.reason)); skipped"))
                return nil
            }
            if let record, !filter.matches(record) { return nil }
            return ArchivedExchange(line: line, envelope: envelope, record: record, dropNotice: notice, mark: mark, segment: entry, lineNumber: segmentLine)
        }
    }
}
