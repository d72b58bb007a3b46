import AuditEnvelope
import HTTPTypes
import Hummingbird

/// Hummingbird middleware that records selected exchanges without holding the response.
///
/// For a request that a ``RouteRule`` selects, it tees the request body as the handler reads it
/// and the response body as it is written (chunks are retained, not copied, up to the capture
/// limit), propagates or sets the request id header, has the sink number the exchange as its
/// response starts (returning the receipt in a header, when configured), and hands the finished
/// exchange to an ``ExchangeSink`` after the last byte is written (before the last chunk, for a
/// sink that ``ExchangeSink/recordsBeforeResponseEnds``). Requests no rule selects pass straight
/// through (without a receipt header, if their response had one).
///
/// ```swift
/// router.add(middleware: try AuditCaptureMiddleware(configuration: configuration, sink: publisher))
/// ```
public struct AuditCaptureMiddleware<Context: RequestContext>: RouterMiddleware {
    private let configuration: CaptureConfiguration
    private let selector: RouteSelector
    private let sink: any ExchangeSink
    private let requestIDField: HTTPField.Name
    private let receiptField: HTTPField.Name?
    private let budget: CaptureMemoryBudget?

    /// Creates the middleware.
    /// - Parameters:
    ///   - configuration: Rules, limits and redaction.
    ///   - sink: Receives finished exchanges.
    /// - Throws: ``CaptureError`` when the request id header is not a valid header name or the
    ///   capture limit is negative.
    public init(configuration: CaptureConfiguration, sink: any ExchangeSink) throws(CaptureError) {
        guard let field = HTTPField.Name(configuration.requestIDHeader) else {
            throw CaptureError(key: "requestIDHeader", "'\(configuration.requestIDHeader)' is not a valid header name")
        }
        let receiptField = try configuration.receiptHeader.map { name throws(CaptureError) in
            guard let field = HTTPField.Name(name) else {
                throw CaptureError(key: "receiptHeader", "'\(name)' is not a valid header name")
            }
            return field
        }
        guard configuration.bodyCaptureLimit >= 0 else {
            throw CaptureError(key: "bodyCaptureLimit", "must not be negative (got \(configuration.bodyCaptureLimit))")
        }
        self.configuration = configuration
        self.selector = RouteSelector(rules: configuration.rules, matching: configuration.pathMatching)
        self.sink = sink
        self.requestIDField = field
        self.receiptField = receiptField
        self.budget = configuration.captureMemoryMax.map(CaptureMemoryBudget.init(limit:))
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let selection = selector.select(method: request.method.rawValue, target: Substring(request.head.path ?? "/")) else {
            return try await withoutReceipt(next(request, context))
        }
        let start = WallClock.microseconds()
        let exchangeID = UUIDv7.generate()
        var head = request.head
        let requestID = head.headerFields[requestIDField] ?? exchangeID
        head.headerFields[requestIDField] = requestID
        let recorder = ExchangeRecorder(
            exchangeID: exchangeID,
            requestID: requestID,
            rule: selection.rule,
            path: selection.path.path,
            request: head,
            clientAddress: (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress,
            start: start,
            bodyLimit: configuration.bodyCaptureLimit,
            budget: budget,
            sink: sink
        )
        var forwarded = Request(head: head, body: request.body)
        forwarded.body = RequestBody(asyncSequence: TeeRequestBody(base: request.body, recorder: recorder))

        var response: Response
        do {
            response = try await next(forwarded, context)
        } catch {
            await recorder.finish(outcome: Self.outcome(of: error), detail: String(describing: error), status: (error as? any HTTPResponseError)?.status.code)
            throw error
        }
        response.headers[requestIDField] = requestID
        guard recorder.recordResponse(status: response.status.code, headers: &response.headers, receiptField: receiptField) else {
            return withoutReceipt(response)
        }
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(TeeResponseBodyWriter(parent: writer, recorder: recorder, holdsLastChunk: sink.recordsBeforeResponseEnds))
            } catch {
                // The writer records client failures itself; what is left failed producing the body.
                await recorder.finish(outcome: Self.outcome(of: error), detail: String(describing: error))
                throw error
            }
            await recorder.finish(outcome: .completed)
        }
        return response
    }

    /// A response not recorded carries no receipt, whatever the handler or upstream put there.
    private func withoutReceipt(_ response: Response) -> Response {
        guard let receiptField, response.headers[receiptField] != nil else { return response }
        var response = response
        response.headers[receiptField] = nil
        return response
    }

    private static func outcome(of error: any Error) -> ExchangeOutcome {
        (error as? any CaptureOutcomeError)?.captureOutcome ?? .handlerError
    }
}
