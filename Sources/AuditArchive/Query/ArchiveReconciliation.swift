import AuditEnvelope

/// Completeness per producer: which sequence numbers the archive holds, which are missing and
/// explained by a drop notice (with its reason), which are missing unexplained (lost), and which
/// exchanges it holds more than once.
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
        /// The highest number seen, in an exchange or a drop notice.
        public var highest: Int64
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

    /// Whether every missing number is explained.
    public var isComplete: Bool { producers.allSatisfy(\.unexplained.isEmpty) }

    private struct Tally {
        var sequences: [Int64] = []
        var notices: [DropNotice] = []
        var exchangeIDs: [String: Int] = [:]
    }

    /// Reconciles the archive under `root`, counting only segments whose bytes match their
    /// manifests and, with `publicKeys`, whose manifests carry a valid signature by one of them.
    /// - Throws: ``ArchiveError`` only for a missing or unlistable root; what cannot be read or
    ///   fails the checks is in ``problems``.
    public static func compute(root: String, publicKeys: [ManifestPublicKey] = []) throws(ArchiveError) -> ArchiveReconciliation {
        try compute(in: DirectoryArchiveStore(root: root), publicKeys: publicKeys)
    }

    /// Reconciles the archive in `store`, as ``compute(root:publicKeys:)`` does.
    public static func compute(in store: any ArchiveStore, publicKeys: [ManifestPublicKey] = []) throws(ArchiveError) -> ArchiveReconciliation {
        var tallies: [String: Tally] = [:]
        var result = ArchiveReconciliation()
        result.signaturesChecked = !publicKeys.isEmpty
        var problems: [ArchiveFinding] = []
        var checked = 0
        try ArchiveQuery.forEach(
            in: store, filter: ExchangeFilter(), decodeRecords: true, checks: .init(publicKeys: publicKeys),
            onChecked: { checked += 1 }, onProblem: { problems.append($0) }
        ) { exchange in
            if let notice = exchange.dropNotice {
                tallies[notice.producer, default: Tally()].notices.append(notice)
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
        result.segmentsChecked = checked
        result.producers = tallies.sorted { $0.key < $1.key }.map { reconcile(id: $0.key, $0.value) }
        return result
    }

    /// The gaps of one producer's numbers, from 1 to the highest seen, split into what its drop
    /// notices explain and what they do not.
    private static func reconcile(id: String, _ tally: Tally) -> Producer {
        let archived = Array(Set(tally.sequences)).sorted()
        let highest = max(archived.last ?? 0, tally.notices.map(\.lastSequence).max() ?? 0)
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
        return Producer(id: id, archived: archived.count, highest: highest, explained: explained, unexplained: unexplained, duplicates: duplicates)
    }
}
