import AuditCapture
import AuditEnvelope
import HTTPTypes
import NIOCore

/// Turns a ``CapturedExchange`` into an ``AuditEnvelope``: applies header and JSON-field
/// redaction, hashes the bodies and chooses their representation. Runs off the response path,
/// for the publisher, which numbers the exchanges it builds.
public struct EnvelopeBuilder: Sendable {
    private let redaction: RedactionConfiguration
    /// The CloudEvents `source` of the envelopes it builds.
    public let eventSource: String

    /// Creates a builder for the redaction rules and event source of `configuration`.
    public init(configuration: PublisherConfiguration) {
        self.redaction = configuration.redaction
        self.eventSource = configuration.eventSource
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
        let request = message(exchange.requestHeaders, exchange.requestBody, side: "request", redactions: &redactions)
        let response = message(exchange.responseHeaders, exchange.responseBody, side: "response", redactions: &redactions)
        return ExchangeRecord(
            exchangeID: exchange.exchangeID,
            requestID: exchange.requestID,
            route: exchange.route,
            method: exchange.method,
            target: exchange.target,
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
        var headers: [HeaderField] = []
        headers.reserveCapacity(fields.count)
        for field in fields {
            let name = field.name.canonicalName
            if redaction.headers.contains(name) {
                headers.append(HeaderField(name: field.name.rawName, value: RedactionConfiguration.marker))
                let path = "\(side).headers.\(name)"
                if !redactions.contains(path) { redactions.append(path) }
            } else {
                headers.append(HeaderField(name: field.name.rawName, value: field.value))
            }
        }
        return HTTPMessageRecord(headers: headers, body: body(captured, fields: fields, side: side, redactions: &redactions))
    }

    private func body(_ captured: CapturedBody, fields: HTTPFields, side: String, redactions: inout [String]) -> BodyRecord {
        let sha256 = captured.sha256Hex()
        let contentType = fields[.contentType]
        let contentEncoding = fields[.contentEncoding]
        var data = captured.joined()
        if redaction.redactsBodies, data.readableBytes > 0 {
            if let (redacted, pointers) = JSONRedactor(configuration: redaction).redact(data) {
                data = redacted
                redactions += pointers.map { "\(side).body\($0)" }
            } else if BodyRecord.declaresJSON(contentType) {
                // Fields to redact cannot be found in malformed or truncated JSON: withhold the body.
                redactions.append("\(side).body (withheld: not well-formed JSON, so configured fields could not be redacted)")
                var record = BodyRecord(size: captured.size, truncated: captured.truncated, sha256: sha256,
                                        contentType: contentType, contentEncoding: contentEncoding, data: ByteBuffer())
                record.captured = 0
                record.truncatedReason = captured.truncatedReason
                return record
            }
        }
        var record = BodyRecord(size: captured.size, truncated: captured.truncated, sha256: sha256,
                                contentType: contentType, contentEncoding: contentEncoding, data: data)
        record.truncatedReason = captured.truncatedReason
        return record
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
}
