import AuditEnvelope
import NIOCore

/// Completeness per producer: which sequence numbers the archive holds, which are missing and
/// explained by a drop notice (with its reason), which are missing unexplained (lost), and which
/// exchanges it holds more than once. The numbers expected run from 1 to the highest an exchange,
/// a drop notice or the producer's newest mark (``ProducerMark``) names, so a deleted tail, and a
/// producer whose exchanges are all gone, show as lost as long as a mark survives.
public struct ArchiveReconciliation: Sendable {
    /// A range of missing sequence numbers.
    public struct Gap: Sendable, Equatable, CustomStringConvertible {
        /// The first missing number.
        public var first: Int64
        /// The last missing number.
        public var last: Int64
        /// The drop reason announced for them, or `nil` when nothing explains them.
        public var reason: String?

        /// Creates a gap.
        public init(first: Int64, last: Int64, reason: String?) {
            self.first = first
            self.last = last
            self.reason = reason
        }

        /// How many numbers.
        public var count: Int64 { last - first + 1 }
        public var description: String { first == last ? "\(first)" : "\(first)-\(last)" }
    }

    /// What the archive holds of one producer.
    public struct Producer: Sendable {
        /// The producer id.
        public var id: String
        /// Distinct sequence numbers archived.
        public var archived: Int
        /// The highest number seen, in an exchange, a drop notice or a mark.
        public var highest: Int64
        /// The newest mark archived (by its time), `nil` when none is: a producer from before
        /// marks, or one whose marks are gone too.
        public var newestMark: ProducerMark?
        /// Marks archived.
        public var marks: Int
        /// Missing numbers a drop notice explains, with its reason.
        public var explained: [Gap]
        /// Missing numbers nothing explains: exchanges lost.
        public var unexplained: [Gap]
        /// Exchange ids archived more than once, with how many times.
        public var duplicates: [(id: String, count: Int)]

        /// How many numbers were lost.
        public var lost: Int64 { unexplained.reduce(0) { $0 + $1.count } }
    }

    /// Per producer, sorted by id.
    public var producers: [Producer] = []
    /// Exchanges archived without a producer id or sequence (written before they existed).
    public var unsequenced = 0
    /// Lines, segments and files that could not be read or failed their checks (and were skipped).
    public var problems: [ArchiveFinding] = []
    /// Segments counted, each checked against its manifest's SHA-256 and size first.
    public var segmentsChecked = 0
    /// Whether each counted segment's manifest signature was checked too (public keys given).
    public var signaturesChecked = false
    /// Whether drop notices and marks had to carry a producer's signature (producer keys given).
    public var producerSignaturesChecked = false
    /// Drop notices and marks refused because they were unsigned or badly signed; they are in
    /// ``problems`` too, and what they claimed is not believed.
    public var refusedEvents = 0

    /// Whether every missing number is explained.
    public var isComplete: Bool { producers.allSatisfy(\.unexplained.isEmpty) }

    private struct Tally {
        var sequences: [Int64] = []
        var notices: [DropNotice] = []
        var marks: [ProducerMark] = []
        var exchangeIDs: [String: Int] = [:]
    }

    /// Reconciles the archive under `root`, counting only segments whose bytes match their
    /// manifests and, with `publicKeys`, whose manifests carry a valid signature by one of them;
    /// with `producerKeys`, believing only drop notices and marks signed by one of those.
    /// - Throws: ``ArchiveError`` only for a missing or unlistable root; what cannot be read or
    ///   fails the checks is in ``problems``.
    public static func compute(root: String, publicKeys: [ManifestPublicKey] = [], producerKeys: [ManifestPublicKey] = []) throws(ArchiveError) -> ArchiveReconciliation {
        try compute(in: DirectoryArchiveStore(root: root), publicKeys: publicKeys, producerKeys: producerKeys)
    }

    /// Reconciles the archive in `store`, as ``compute(root:publicKeys:producerKeys:)`` does.
    public static func compute(in store: any ArchiveStore, publicKeys: [ManifestPublicKey] = [], producerKeys: [ManifestPublicKey] = []) throws(ArchiveError) -> ArchiveReconciliation {
        var tallies: [String: Tally] = [:]
        var result = ArchiveReconciliation()
        result.signaturesChecked = !publicKeys.isEmpty
        result.producerSignaturesChecked = !producerKeys.isEmpty
        var refused = 0
        /// Why an event must not be believed, with producer keys given.
        func refusal(_ signature: EventSignature?, _ signedBytes: @autoclosure () -> ByteBuffer) -> String? {
            guard !producerKeys.isEmpty else { return nil }
            guard let signature else { return "not signed, but producer signatures are required" }
            return signature.problem(signing: signedBytes(), keys: producerKeys)
        }
        var problems: [ArchiveFinding] = []
        var checked = 0
        var everything = ExchangeFilter()
        everything.includesMarks = true
        try ArchiveQuery.forEach(
            in: store, filter: everything, decodeRecords: true, checks: .init(publicKeys: publicKeys),
            onChecked: { checked += 1 }, onProblem: { problems.append($0) }
        ) { exchange in
            if let notice = exchange.dropNotice {
                if let reason = refusal(notice.signature, notice.signedBytes()) {
                    refused += 1
                    problems.append(ArchiveFinding(subject: exchange.segmentPath, message: "line \(exchange.lineNumber): drop notice of producer \(notice.producer) for \(notice.firstSequence)-\(notice.lastSequence) refused: \(reason); not believed"))
                    return .proceed
                }
                tallies[notice.producer, default: Tally()].notices.append(notice)
            } else if let mark = exchange.mark {
                if let reason = refusal(mark.signature, mark.signedBytes()) {
                    refused += 1
                    problems.append(ArchiveFinding(subject: exchange.segmentPath, message: "line \(exchange.lineNumber): mark of producer \(mark.producer) at \(mark.highestSequence) refused: \(reason); not believed"))
                    return .proceed
                }
                tallies[mark.producer, default: Tally()].marks.append(mark)
            } else if let record = exchange.record {
                guard let producer = record.producer, let sequence = record.sequence else {
                    result.unsequenced += 1
                    return .proceed
                }
                tallies[producer, default: Tally()].sequences.append(sequence)
                tallies[producer, default: Tally()].exchangeIDs[record.exchangeID, default: 0] += 1
            }
            return .proceed
        }
        result.problems = problems
        result.refusedEvents = refused
        result.segmentsChecked = checked
        result.producers = tallies.sorted { $0.key < $1.key }.map { reconcile(id: $0.key, $0.value) }
        return result
    }

    /// The gaps of one producer's numbers, from 1 to the highest seen (in an exchange, a notice
    /// or a mark), split into what its drop notices explain and what they do not.
    private static func reconcile(id: String, _ tally: Tally) -> Producer {
        let archived = Array(Set(tally.sequences)).sorted()
        let highest = max(archived.last ?? 0, tally.notices.map(\.lastSequence).max() ?? 0, tally.marks.map(\.highestSequence).max() ?? 0)
        var missing: [Gap] = []
        var expected: Int64 = 1
        for number in archived + [highest + 1] where number >= expected {
            if number > expected { missing.append(Gap(first: expected, last: number - 1, reason: nil)) }
            expected = number + 1
        }
        var explained: [Gap] = []
        var unexplained: [Gap] = []
        let notices = tally.notices.sorted { $0.firstSequence < $1.firstSequence }
        for gap in missing {
            var cursor = gap.first
            for notice in notices where notice.lastSequence >= cursor && notice.firstSequence <= gap.last {
                if notice.firstSequence > cursor { unexplained.append(Gap(first: cursor, last: notice.firstSequence - 1, reason: nil)) }
                let end = min(notice.lastSequence, gap.last)
                explained.append(Gap(first: max(cursor, notice.firstSequence), last: end, reason: notice.reason))
                cursor = end + 1
                if cursor > gap.last { break }
            }
            if cursor <= gap.last { unexplained.append(Gap(first: cursor, last: gap.last, reason: nil)) }
        }
        let duplicates = tally.exchangeIDs.filter { $0.value > 1 }.sorted { $0.key < $1.key }.map { (id: $0.key, count: $0.value) }
        let newestMark = tally.marks.max { ($0.time, $0.highestSequence) < ($1.time, $1.highestSequence) }
        return Producer(
            id: id, archived: archived.count, highest: highest, newestMark: newestMark, marks: tally.marks.count,
            explained: explained, unexplained: unexplained, duplicates: duplicates
        )
    }
}
