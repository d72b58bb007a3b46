import AuditEnvelope
import HTTPTypes
import Synchronization

/// Collects one selected exchange while it streams and hands it to the sink exactly once, when
/// the response has ended or failed.
final class ExchangeRecorder: Sendable {
    private struct ResponseHead {
        var status: Int
        var headers: HTTPFields
    }

    private struct State {
        var response: ResponseHead?
        var firstResponseByte: Int64?
        var requestFailure: String?
        var sequence: Int64?
        var isFinished = false
    }

    let exchangeID: String
    let requestID: String
    let rule: RouteRule
    let path: String
    let requestBody: BodyTee
    let responseBody: BodyTee
    private let request: HTTPRequest
    private let clientAddress: String?
    private let start: Int64
    private let sink: any ExchangeSink
    private let state = Mutex(State())

    init(
        exchangeID: String,
        requestID: String,
        rule: RouteRule,
        path: String,
        request: HTTPRequest,
        clientAddress: String?,
        start: Int64,
        bodyLimit: Int,
        budget: CaptureMemoryBudget?,
        sink: any ExchangeSink
    ) {
        self.exchangeID = exchangeID
        self.requestID = requestID
        self.rule = rule
        self.path = path
        self.request = request
        self.clientAddress = clientAddress
        self.start = start
        self.sink = sink
        self.requestBody = BodyTee(limit: bodyLimit, budget: budget)
        self.responseBody = BodyTee(limit: bodyLimit, budget: budget)
    }

    deinit {
        requestBody.releaseBudget()
        responseBody.releaseBudget()
    }

    /// Records the response head and has the sink number the exchange, writing its receipt into
    /// `headers` under `receiptField` when the sink gives one; returns `false` when the status
    /// filter drops the exchange (then nothing is numbered).
    func recordResponse(status: Int, headers: inout HTTPFields, receiptField: HTTPField.Name?) -> Bool {
        if let filter = rule.statusFilter, !filter.matches(status) {
            discard()
            return false
        }
        let receipt = sink.reserveReceipt()
        if let receiptField, let receipt { headers[receiptField] = receipt.headerValue }
        state.withLock { [headers] state in
            state.response = ResponseHead(status: status, headers: headers)
            state.sequence = receipt?.sequence
        }
        return true
    }

    /// Records the time of the first response byte, once.
    func recordFirstResponseByte() {
        state.withLock { state in
            if state.firstResponseByte == nil { state.firstResponseByte = WallClock.microseconds() }
        }
    }

    /// Records that reading the request body failed (the client went away).
    func recordRequestFailure(_ error: any Error) {
        state.withLock { $0.requestFailure = String(describing: error) }
    }

    /// Whether reading the request body failed.
    var requestFailed: Bool { state.withLock { $0.requestFailure != nil } }

    /// Ends the exchange and hands it to the sink; later calls do nothing.
    func finish(outcome: ExchangeOutcome, detail: String? = nil, status: Int? = nil) async {
        let finished = state.withLock { state -> (ResponseHead?, Int64?, String?, Int64?)? in
            guard !state.isFinished else { return nil }
            state.isFinished = true
            return (state.response, state.firstResponseByte, state.requestFailure, state.sequence)
        }
        guard let (response, firstByte, requestFailure, sequence) = finished else { return }
        let clientWentAway = requestFailure != nil && outcome != .completed
        var exchange = CapturedExchange(
            exchangeID: exchangeID,
            requestID: requestID,
            route: rule.path.text,
            method: request.method.rawValue,
            target: request.path ?? "",
            path: path,
            requestHeaders: request.headerFields,
            requestBody: requestBody.snapshot(),
            status: response?.status ?? status,
            responseHeaders: response?.headers ?? [:],
            responseBody: response == nil ? .empty : responseBody.snapshot(),
            outcome: clientWentAway ? .clientDisconnected : outcome,
            outcomeDetail: clientWentAway ? "request body: \(requestFailure ?? "")" : detail,
            clientAddress: clientAddress,
            timings: ExchangeTimings(start: start, firstResponseByte: firstByte, end: WallClock.microseconds())
        )
        exchange.sequence = sequence
        // From here the sink's own bound (the publisher's queue) counts these bytes.
        requestBody.releaseBudget()
        responseBody.releaseBudget()
        await sink.submit(exchange)
    }

    /// Drops the exchange: nothing reaches the sink.
    func discard() {
        state.withLock { $0.isFinished = true }
        requestBody.discard()
        responseBody.discard()
    }
}
