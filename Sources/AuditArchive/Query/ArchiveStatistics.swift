import AuditEnvelope

/// Counts over the exchanges a filter selects: totals, time range, per route and per status.
public struct ArchiveStatistics: Sendable {
    /// Counts for one group of exchanges.
    public struct Tally: Sendable {
        /// Exchanges.
        public var exchanges = 0
        /// Request body bytes seen on the wire.
        public var requestBytes = 0
        /// Response body bytes seen on the wire.
        public var responseBytes = 0

        mutating func add(_ record: ExchangeRecord) {
            // Sizes come from the archive: a sum past Int.max stays there instead of trapping.
            exchanges = exchanges.saturatingAdd(1)
            requestBytes = requestBytes.saturatingAdd(max(0, record.request.body.size))
            responseBytes = responseBytes.saturatingAdd(max(0, record.response.body.size))
        }
    }

    /// All selected exchanges.
    public var total = Tally()
    /// Bytes of archive lines (uncompressed envelopes).
    public var envelopeBytes = 0
    /// The earliest event time (microseconds since the Unix epoch).
    public var firstEventTime: Int64?
    /// The latest event time.
    public var lastEventTime: Int64?
    /// Per route pattern.
    public var byRoute: [String: Tally] = [:]
    /// Per status (`none` when no response was produced).
    public var byStatus: [String: Tally] = [:]
    /// Per outcome (`completed`, `clientDisconnected`, ...).
    public var byOutcome: [String: Int] = [:]
    /// Lines, segments and files that could not be read (and were skipped).
    public var problems: [ArchiveFinding] = []

    /// Computes statistics for the exchanges `filter` selects in the directory archive at `root`.
    public static func compute(root: String, filter: ExchangeFilter) throws(ArchiveError) -> ArchiveStatistics {
        try compute(in: DirectoryArchiveStore(root: root), filter: filter)
    }

    /// Computes statistics for the exchanges `filter` selects in `store`.
    /// - Parameter onPlan: Called with what will be read, once the directories are listed.
    /// - Throws: ``ArchiveError`` as ``ArchiveQuery`` does; what could not be read is in
    ///   ``problems``.
    public static func compute(in store: any ArchiveStore, filter: ExchangeFilter, onPlan: (ArchiveQuery.Plan) -> Void = { _ in }) throws(ArchiveError) -> ArchiveStatistics {
        var statistics = ArchiveStatistics()
        var problems: [ArchiveFinding] = []
        try ArchiveQuery.forEach(in: store, filter: filter, decodeRecords: true, onPlan: onPlan, onProblem: { problems.append($0) }) { exchange in
            guard let record = exchange.record else { return .proceed }
            statistics.total.add(record)
            statistics.envelopeBytes = statistics.envelopeBytes.saturatingAdd(exchange.line.readableBytes)
            statistics.firstEventTime = min(statistics.firstEventTime ?? exchange.envelope.time, exchange.envelope.time)
            statistics.lastEventTime = max(statistics.lastEventTime ?? exchange.envelope.time, exchange.envelope.time)
            statistics.byRoute[record.route, default: Tally()].add(record)
            statistics.byStatus[record.status.map(String.init) ?? "none", default: Tally()].add(record)
            statistics.byOutcome[record.outcome.name, default: 0] += 1
            return .proceed
        }
        statistics.problems = problems
        return statistics
    }
}
