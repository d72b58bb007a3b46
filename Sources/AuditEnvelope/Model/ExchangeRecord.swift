/// The `data` of an AuditShipper exchange event (envelope v1): one HTTP request and its response.
public struct ExchangeRecord: Sendable, Equatable {
    /// The exchange id (a UUIDv7), also the CloudEvent id.
    public var exchangeID: String
    /// The `X-Request-ID` propagated or generated for the exchange.
    public var requestID: String
    /// The route pattern that selected the exchange (for example `/api/orders/{id}`).
    public var route: String
    /// The request method.
    public var method: String
    /// The request target as received: path and query.
    public var target: String
    /// The normalized path that capture rules matched (percent-escapes of unreserved characters
    /// decoded, dot segments removed, empty segments collapsed, no query); `nil` in records
    /// written before it was added.
    public var path: String?
    /// The response status, or `nil` when no response head was produced.
    public var status: Int?
    /// How the exchange ended.
    public var outcome: ExchangeOutcome
    /// A short description of a failure, when the outcome is not `completed`.
    public var outcomeDetail: String?
    /// The client's address as the server saw it.
    public var clientAddress: String?
    /// The W3C `traceparent` header of the request, if present.
    public var traceparent: String?
    /// Timings.
    public var timings: ExchangeTimings
    /// The request.
    public var request: HTTPMessageRecord
    /// The response.
    public var response: HTTPMessageRecord
    /// What was redacted: header paths (`request.headers.authorization`) and JSON Pointers into
    /// bodies (`response.body/card/number`).
    public var redactions: [String]
    /// The publishing process's id (a UUID kept in its spool directory, so it survives
    /// restarts); `nil` in records written before it was added.
    public var producer: String?
    /// The exchange's number in its producer's sequence (1, 2, 3, … without holes: a missing
    /// number is an exchange that was dropped or lost); `nil` in records written before it was
    /// added.
    public var sequence: Int64?

    /// Creates a record.
    public init(
        exchangeID: String,
        requestID: String,
        route: String,
        method: String,
        target: String,
        path: String?,
        status: Int?,
        outcome: ExchangeOutcome,
        outcomeDetail: String?,
        clientAddress: String?,
        traceparent: String?,
        timings: ExchangeTimings,
        request: HTTPMessageRecord,
        response: HTTPMessageRecord,
        redactions: [String],
        producer: String? = nil,
        sequence: Int64? = nil
    ) {
        self.exchangeID = exchangeID
        self.requestID = requestID
        self.route = route
        self.method = method
        self.target = target
        self.path = path
        self.status = status
        self.outcome = outcome
        self.outcomeDetail = outcomeDetail
        self.clientAddress = clientAddress
        self.traceparent = traceparent
        self.timings = timings
        self.request = request
        self.response = response
        self.redactions = redactions
        self.producer = producer
        self.sequence = sequence
    }
}
