import AuditEnvelope

/// Which archived exchanges a query selects. Unset criteria select everything.
public struct ExchangeFilter: Sendable {
    /// Only this topic's directory is listed.
    public var topic: String?
    /// Only this partition's segments are read.
    public var partition: Int32?
    /// Event time at or after this (microseconds since the Unix epoch).
    public var from: Int64?
    /// Event time before this (microseconds since the Unix epoch).
    public var to: Int64?
    /// The route pattern, exactly (for example `/api/orders/{id}`).
    public var route: String?
    /// The request method, case-insensitive.
    public var method: String?
    /// A status (`201`) or a class (`5xx`).
    public var status: String?
    /// The exchange id.
    public var exchangeID: String?
    /// The request id (the propagated `X-Request-ID`, or the exchange id when the request had none).
    public var requestID: String?
    /// Also select producers' marks (``ProducerMark``), which are bookkeeping for `reconcile`,
    /// one per producer every few seconds; like drop notices, only without exchange criteria.
    public var includesMarks = false

    /// Creates a filter selecting everything.
    public init() {}

    /// Whether any criterion needs the decoded exchange record.
    var needsRecord: Bool { route != nil || method != nil || status != nil || requestID != nil }

    /// Whether a segment whose event times span `first...last` may hold a match.
    func mayMatch(first: Int64?, last: Int64?) -> Bool {
        guard let first, let last else { return from == nil && to == nil }
        if let from, last < from { return false }
        if let to, first >= to { return false }
        return true
    }

    /// Whether the envelope's own attributes match.
    func matches(_ envelope: AuditEnvelope) -> Bool {
        if !includesMarks, envelope.type == ProducerMark.eventType { return false }
        if let from, envelope.time < from { return false }
        if let to, envelope.time >= to { return false }
        if let exchangeID, envelope.id != exchangeID { return false }
        return true
    }

    /// Whether the decoded record matches.
    func matches(_ record: ExchangeRecord) -> Bool {
        if let route, record.route != route { return false }
        if let method, record.method.uppercased() != method.uppercased() { return false }
        if let requestID, record.requestID != requestID { return false }
        return matches(status: record.status)
    }

    /// Whether a status (`nil`: no response) matches ``status``.
    private func matches(status actual: Int?) -> Bool {
        guard let status else { return true }
        guard let actual else { return false }
        let text = String(actual)
        if status.count == 3, status.lowercased().hasSuffix("xx") {
            return text.first == status.first
        }
        return text == status
    }

    /// Whether the line an index entry describes may match: what the entry says is checked as
    /// the line itself would be, and the line read is checked again.
    func mayMatch(_ entry: SegmentIndex.Entry) -> Bool {
        if !includesMarks, entry.kind == SegmentIndex.Entry.mark { return false }
        if let exchangeID, entry.id != exchangeID { return false }
        if from != nil || to != nil, let time = RFC3339.parse(entry.time) {
            if let from, time < from { return false }
            if let to, time >= to { return false }
        }
        guard entry.kind == SegmentIndex.Entry.exchange else { return !needsRecord }
        if let route, entry.route != route { return false }
        if let method, entry.method?.uppercased() != method.uppercased() { return false }
        if let requestID, entry.requestId != requestID { return false }
        return matches(status: entry.status)
    }

    /// The hours whose directories may hold what the filter selects: those of its time range,
    /// or of its exchange id's time (a UUIDv7 carries the millisecond it was made, at the
    /// exchange's start), else all.
    public var hours: ArchiveCatalog.HourRange {
        if from != nil || to != nil { return ArchiveCatalog.HourRange(from: from, to: to) }
        if let exchangeID, let milliseconds = UUIDv7.unixMilliseconds(of: exchangeID) {
            // A minute either side: the id and the start time are taken a moment apart.
            let time = milliseconds.saturatingMultiply(1000)
            return ArchiveCatalog.HourRange(from: time.saturatingAdd(-60_000_000), to: time.saturatingAdd(60_000_000))
        }
        return ArchiveCatalog.HourRange(from: nil, to: nil)
    }
}
