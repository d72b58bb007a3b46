/// What is replaced by `[REDACTED]` before an envelope leaves the process, wherever a secret
/// travels: headers, query parameters (in the request target and in URL-bearing headers), and
/// body fields in JSON (by content, not only by content type, with or without a byte order
/// mark), NDJSON (line by line) and form (`application/x-www-form-urlencoded`) bodies.
/// Redaction runs when the envelope is built, off the response path. A redacted or withheld
/// body keeps no unkeyed digest of the original (see ``DigestKey``).
public struct RedactionConfiguration: Sendable {
    /// The replacement text.
    public static let marker = "[REDACTED]"

    /// Credential headers redacted by default.
    public static let defaultHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token", "x-access-token",
        "x-refresh-token", "x-csrf-token", "x-xsrf-token", "x-amz-security-token", "x-goog-api-key", "x-session-token",
        "x-client-secret", "x-vault-token", "private-token",
    ]

    /// Body field names redacted by default, in the spirit of Sentry's data scrubbing defaults;
    /// `*` at either end matches any prefix or suffix.
    public static let defaultFields: [String] = [
        "*password*", "*passwd*", "pwd", "*secret*", "*token*", "*api_key*", "*apikey*", "*api-key*", "*credential*",
        "*private_key*", "*privatekey*", "auth", "authorization", "cookie", "session", "sessionid", "session_id",
        "ssn", "cvv", "cvc", "card_number", "cardnumber", "pan",
    ]

    /// Query parameters redacted by default (in the request target and in `Location`, `Referer`,
    /// `Content-Location`); body field patterns apply to them too.
    public static let defaultQueryParameters: [String] = [
        "access_token", "id_token", "refresh_token", "token", "api_key", "apikey", "key", "password", "secret",
        "client_secret", "signature", "sig", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "code",
    ]

    /// Headers whose values are redacted, in requests and responses (case-insensitive; `*` at
    /// either end matches any prefix or suffix).
    /// Default: ``defaultHeaders``.
    public var headers: Set<String> = defaultHeaders {
        didSet { headers = Set(headers.map { $0.lowercased() }) }
    }

    /// Body field names whose values are redacted wherever they appear (JSON keys at any depth,
    /// NDJSON lines, form fields), added to ``defaultFields`` while ``usesDefaultFields``.
    /// Default: none.
    public var jsonFields: Set<String> = []

    /// Whether ``defaultFields`` apply.
    /// Default: `true`.
    public var usesDefaultFields = true

    /// Whether field and parameter names match case-sensitively.
    /// Default: `false` (`Password` matches `password`).
    public var caseSensitive = false

    /// JSON Pointers (RFC 6901) whose values are redacted; a `*` segment matches any key or index
    /// (`/items/*/card`).
    /// Default: none.
    public var jsonPointers: [String] = []

    /// Query parameters whose values are redacted, added to ``defaultQueryParameters`` while
    /// ``usesDefaultQueryParameters``.
    /// Default: none.
    public var queryParameters: Set<String> = []

    /// Whether ``defaultQueryParameters`` apply.
    /// Default: `true`.
    public var usesDefaultQueryParameters = true

    /// Headers holding URLs whose query parameters are redacted.
    /// Default: `location`, `referer`, `content-location`.
    public var urlHeaders: Set<String> = ["location", "referer", "content-location"] {
        didSet { urlHeaders = Set(urlHeaders.map { $0.lowercased() }) }
    }

    /// Creates a configuration with the defaults above.
    public init() {}

    /// The body field patterns in force.
    var fieldPatterns: [String] { (usesDefaultFields ? Self.defaultFields : []) + jsonFields.sorted() }

    /// The query parameter patterns in force (body field patterns included).
    var queryPatterns: [String] { (usesDefaultQueryParameters ? Self.defaultQueryParameters : []) + queryParameters.sorted() + fieldPatterns }
}
