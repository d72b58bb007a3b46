import AuditCapture
import AuditEnvelope
import HTTPTypes
import NIOCore

/// Turns a ``CapturedExchange`` into an ``AuditEnvelope``: redacts headers, query parameters
/// and body fields (``RedactionConfiguration``), decodes compressed bodies, hashes the bodies and
/// chooses their representation. Runs off the response path, for the publisher, which numbers
/// the exchanges it builds.
public struct EnvelopeBuilder: Sendable {
    private let headers: HeaderRedactor
    private let query: URLEncodedRedactor
    private let bodies: BodyRecordBuilder
    /// The CloudEvents `source` of the envelopes it builds.
    public let eventSource: String

    /// Creates a builder for the redaction, decoding and digest settings and the event source of
    /// `configuration`.
    public init(configuration: PublisherConfiguration) {
        let redaction = configuration.redaction
        query = URLEncodedRedactor(names: KeyMatcher(redaction.queryPatterns, caseSensitive: redaction.caseSensitive))
        headers = HeaderRedactor(configuration: redaction, query: query)
        bodies = BodyRecordBuilder(redactor: BodyRedactor(configuration: redaction), decoding: configuration.bodyDecoding, digestKey: configuration.digestKey)
        eventSource = configuration.eventSource
    }

    /// The envelope of `exchange`.
    public func envelope(for exchange: CapturedExchange) -> AuditEnvelope {
        AuditEnvelope(record: record(for: exchange), source: eventSource)
    }

    /// The envelope of `exchange` with its producer id and sequence number, redacted.
    public func envelope(for exchange: CapturedExchange, producer: String, sequence: Int64) -> AuditEnvelope {
        var record = record(for: exchange)
        record.producer = producer
        record.sequence = sequence
        return AuditEnvelope(record: record, source: eventSource)
    }

    /// The exchange record of `exchange`, redacted.
    public func record(for exchange: CapturedExchange) -> ExchangeRecord {
        var redactions: [String] = []
        let (target, parameters) = query.redact(url: exchange.target)
        for parameter in parameters { HeaderRedactor.note("request.target?\(parameter)", in: &redactions) }
        let request = message(exchange.requestHeaders, exchange.requestBody, side: "request", redactions: &redactions)
        let response = message(exchange.responseHeaders, exchange.responseBody, side: "response", redactions: &redactions)
        return ExchangeRecord(
            exchangeID: exchange.exchangeID,
            requestID: exchange.requestID,
            route: exchange.route,
            method: exchange.method,
            target: target,
            path: exchange.path,
            status: exchange.status,
            outcome: exchange.outcome,
            outcomeDetail: exchange.outcomeDetail,
            clientAddress: exchange.clientAddress,
            traceparent: exchange.requestHeaders[.traceparent],
            timings: exchange.timings,
            request: request,
            response: response,
            redactions: redactions
        )
    }

    private func message(_ fields: HTTPFields, _ captured: CapturedBody, side: String, redactions: inout [String]) -> HTTPMessageRecord {
        HTTPMessageRecord(
            headers: headers.redact(fields, side: side, redactions: &redactions),
            body: bodies.record(captured, contentType: fields[.contentType], contentEncoding: fields[.contentEncoding], side: side, redactions: &redactions)
        )
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
}
