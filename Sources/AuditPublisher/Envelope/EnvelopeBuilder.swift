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
    /// The buffers bodies are joined and envelopes encoded in; give an envelope's `data` back
    /// with ``EnvelopeBufferPool/recycle(_:)`` once nothing needs it.
    let pool: EnvelopeBufferPool

    /// Creates a builder for the redaction, decoding and digest settings and the event source of
    /// `configuration`.
    public init(configuration: PublisherConfiguration) {
        self.init(configuration: configuration, pool: EnvelopeBufferPool(maxIdleBytes: 0))
    }

    /// Creates a builder that joins bodies and encodes envelopes in buffers from `pool`.
    init(configuration: PublisherConfiguration, pool: EnvelopeBufferPool) {
        let redaction = configuration.redaction
        query = URLEncodedRedactor(names: KeyMatcher(redaction.queryPatterns, caseSensitive: redaction.caseSensitive))
        headers = HeaderRedactor(configuration: redaction, query: query)
        bodies = BodyRecordBuilder(redactor: BodyRedactor(configuration: redaction), decoding: configuration.bodyDecoding, digestKey: configuration.digestKey, pool: pool)
        eventSource = configuration.eventSource
        self.pool = pool
    }

    /// The envelope of `exchange`.
    public func envelope(for exchange: CapturedExchange) -> AuditEnvelope {
        envelope(for: exchange, numbered: nil)
    }

    /// The envelope of `exchange` with its producer id and sequence number, redacted.
    public func envelope(for exchange: CapturedExchange, producer: String, sequence: Int64) -> AuditEnvelope {
        envelope(for: exchange, numbered: (producer, sequence))
    }

    /// Builds the record, encodes it into a pooled buffer and recycles the buffers its bodies
    /// were joined in.
    private func envelope(for exchange: CapturedExchange, numbered: (producer: String, sequence: Int64)?) -> AuditEnvelope {
        var scratch: [ByteBuffer] = []
        var record = record(for: exchange, scratch: &scratch)
        record.producer = numbered?.producer
        record.sequence = numbered?.sequence
        let data = ExchangeRecordEncoder.encode(record, into: pool.take(minimumCapacity: ExchangeRecordEncoder.estimatedBytes(of: record)))
        let envelope = AuditEnvelope(id: record.exchangeID, source: eventSource, time: record.timings.start, data: data)
        for buffer in scratch { pool.recycle(buffer) }
        return envelope
    }

    /// The exchange record of `exchange`, redacted.
    public func record(for exchange: CapturedExchange) -> ExchangeRecord {
        var scratch: [ByteBuffer] = []
        return record(for: exchange, scratch: &scratch)
    }

    private func record(for exchange: CapturedExchange, scratch: inout [ByteBuffer]) -> ExchangeRecord {
        var redactions: [String] = []
        let (target, parameters) = query.redact(url: exchange.target)
        for parameter in parameters { HeaderRedactor.note("request.target?\(parameter)", in: &redactions) }
        let request = message(exchange.requestHeaders, exchange.requestBody, side: "request", redactions: &redactions, scratch: &scratch)
        let response = message(exchange.responseHeaders, exchange.responseBody, side: "response", redactions: &redactions, scratch: &scratch)
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

    private func message(_ fields: HTTPFields, _ captured: CapturedBody, side: String, redactions: inout [String], scratch: inout [ByteBuffer]) -> HTTPMessageRecord {
        HTTPMessageRecord(
            headers: headers.redact(fields, side: side, redactions: &redactions),
            body: bodies.record(captured, contentType: fields[.contentType], contentEncoding: fields[.contentEncoding], side: side, redactions: &redactions, scratch: &scratch)
        )
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
}
