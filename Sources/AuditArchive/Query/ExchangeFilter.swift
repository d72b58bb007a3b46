import AuditEnvelope

/// Which archived exchanges a query selects. Unset criteria select everything.
public struct ExchangeFilter: Sendable {
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
        if let status {
            guard let actual = record.status else { return false }
            let text = String(actual)
            if status.count == 3, status.lowercased().hasSuffix("xx") {
                return text.first == status.first
            }
            return text == status
        }
        return true
    }
}
