import AuditEnvelope
import HTTPTypes

/// A finished exchange as the middleware recorded it, handed to an ``ExchangeSink``.
///
/// It holds the raw material (headers as received, body chunks as they streamed); redaction and
/// encoding happen later, in ``EnvelopeBuilder``, off the response path.
public struct CapturedExchange: Sendable {
    /// The exchange id (UUIDv7).
    public var exchangeID: String
    /// The propagated or generated request id.
    public var requestID: String
    /// The route pattern of the rule that selected the exchange.
    public var route: String
    /// The request method.
    public var method: String
    /// Path and query, as received.
    public var target: String
    /// The normalized path the rules matched (``NormalizedPath/path``).
    public var path: String
    /// Request headers as received.
    public var requestHeaders: HTTPFields
    /// The request body.
    public var requestBody: CapturedBody
    /// The response status, if a response head was produced.
    public var status: Int?
    /// Response headers as sent.
    public var responseHeaders: HTTPFields
    /// The response body.
    public var responseBody: CapturedBody
    /// How the exchange ended.
    public var outcome: ExchangeOutcome
    /// A short failure description, if the outcome is not `completed`.
    public var outcomeDetail: String?
    /// The client's address, when the request context knows it.
    public var clientAddress: String?
    /// Timings in microseconds since the Unix epoch.
    public var timings: ExchangeTimings
    /// Its number in the sink's sequence: given as the response started
    /// (``ExchangeSink/reserveReceipt()``), or else by the sink when it takes the exchange.
    public var sequence: Int64?

    /// Creates an exchange, for a sink that keeps exchanges and reads them back (a spool).
    public init(
        exchangeID: String, requestID: String, route: String, method: String, target: String, path: String,
        requestHeaders: HTTPFields, requestBody: CapturedBody, status: Int?, responseHeaders: HTTPFields, responseBody: CapturedBody,
        outcome: ExchangeOutcome, outcomeDetail: String?, clientAddress: String?, timings: ExchangeTimings, sequence: Int64? = nil
    ) {
        self.exchangeID = exchangeID
        self.requestID = requestID
        self.route = route
        self.method = method
        self.target = target
        self.path = path
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.status = status
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.outcome = outcome
        self.outcomeDetail = outcomeDetail
        self.clientAddress = clientAddress
        self.timings = timings
        self.sequence = sequence
    }

    /// Bytes this exchange holds in memory (the capacity of the buffers keeping its bodies plus
    /// an allowance for headers), for byte-bounded queues.
    public var retainedBytes: Int {
        max(requestBody.retainedCapacity, requestBody.chunks.reduce(0) { $0 + $1.readableBytes })
            + max(responseBody.retainedCapacity, responseBody.chunks.reduce(0) { $0 + $1.readableBytes })
            + 64 * (requestHeaders.count + responseHeaders.count) + 512
    }
}
