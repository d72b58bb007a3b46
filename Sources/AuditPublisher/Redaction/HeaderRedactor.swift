import AuditEnvelope
import HTTPTypes

/// Redacts header values: credential headers whole, and the sensitive query parameters of
/// headers that carry URLs (`Location`, `Referer`, `Content-Location`).
struct HeaderRedactor: Sendable {
    private let names: KeyMatcher
    private let urlHeaders: Set<String>
    private let query: URLEncodedRedactor

    init(configuration: RedactionConfiguration, query: URLEncodedRedactor) {
        names = KeyMatcher(configuration.headers, caseSensitive: false)
        urlHeaders = configuration.urlHeaders
        self.query = query
    }

    /// The headers as recorded; `redactions` gains `<side>.headers.<name>` for each header
    /// redacted whole and `<side>.headers.<name>?<parameter>` for each query parameter.
    func redact(_ fields: HTTPFields, side: String, redactions: inout [String]) -> [HeaderField] {
        var headers: [HeaderField] = []
        headers.reserveCapacity(fields.count)
        for field in fields {
            let name = field.name.canonicalName
            var value = field.value
            if names.matches(name) {
                value = RedactionConfiguration.marker
                Self.note("\(side).headers.\(name)", in: &redactions)
            } else if urlHeaders.contains(name) {
                let (text, parameters) = query.redact(url: value)
                value = text
                for parameter in parameters { Self.note("\(side).headers.\(name)?\(parameter)", in: &redactions) }
            }
            headers.append(HeaderField(name: field.name.rawName, value: value))
        }
        return headers
    }

    static func note(_ path: String, in redactions: inout [String]) {
        if !redactions.contains(path) { redactions.append(path) }
    }
}
