/// What is replaced by `[REDACTED]` before an envelope leaves the process. Redaction runs when
/// the envelope is built, off the response path; `sha256` still covers the body as received.
public struct RedactionConfiguration: Sendable {
    /// The replacement text.
    public static let marker = "[REDACTED]"

    /// Headers whose values are redacted, in requests and responses (case-insensitive).
    /// Default: `authorization`, `proxy-authorization`, `cookie`, `set-cookie`, `x-api-key`.
    public var headers: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"] {
        didSet { headers = Set(headers.map { $0.lowercased() }) }
    }

    /// JSON object keys whose values are redacted wherever they appear in a JSON body.
    /// Default: none.
    public var jsonFields: Set<String> = []

    /// JSON Pointers (RFC 6901) whose values are redacted; a `*` segment matches any key or index
    /// (`/items/*/card`).
    /// Default: none.
    public var jsonPointers: [String] = []

    /// Creates a configuration with the defaults above.
    public init() {}

    /// Whether any body redaction is configured.
    var redactsBodies: Bool { !jsonFields.isEmpty || !jsonPointers.isEmpty }
}
