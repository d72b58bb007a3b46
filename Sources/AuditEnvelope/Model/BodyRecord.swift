import NIOCore

/// One captured body: what was seen, what was kept and how it is represented.
public struct BodyRecord: Sendable, Equatable {
    /// Bytes seen on the wire.
    public var size: Int
    /// Bytes kept (at most the capture limit).
    public var captured: Int
    /// Whether the kept bytes are a prefix of a longer body.
    public var truncated: Bool
    /// Why the body was truncated: a ``TruncationReason`` raw value (kept as text so that
    /// records with reasons added later still decode); `nil` when it was not, and in records
    /// written before it was added.
    public var truncatedReason: String?
    /// Lowercase hex SHA-256 of what ``sha256Of`` says: all `size` bytes as received (`.wire`,
    /// when ``data`` is those bytes or their prefix, unchanged) or ``data`` as stored (`.stored`,
    /// when it was redacted, withheld or decoded: no unkeyed digest of a redacted original is kept).
    public var sha256: String
    /// What ``sha256`` covers. Records written before it existed cover the wire bytes.
    public var sha256Of: DigestScope = .wire
    /// Lowercase hex SHA-256 of the wire bytes of a decoded body (``decoded``) from which nothing
    /// was redacted; `nil` otherwise.
    public var wireSha256: String?
    /// Lowercase hex HMAC-SHA256, under the producer's digest key, of the SHA-256 of all `size`
    /// bytes as received (the 32 raw bytes): lets key holders prove which body was exchanged when
    /// the stored one is redacted; `nil` when no key is configured.
    public var hmacSha256: String?
    /// The content coding (`gzip`, `deflate`) removed before redaction and embedding: ``data``
    /// holds the decoded body; `nil` when the body is recorded as received.
    public var decoded: String?
    /// Why a content-encoded body was not decoded (unsupported coding, over the limits, corrupt,
    /// truncated); ``data`` then holds the wire bytes, or nothing when withheld.
    public var decodeError: String?
    /// The `Content-Type` header, if any.
    public var contentType: String?
    /// The `Content-Encoding` header, if any (the wire encoding; see ``decoded``).
    public var contentEncoding: String?
    /// How ``data`` is represented on the wire.
    public var encoding: BodyEncoding
    /// The kept bytes (after redaction, if any).
    public var data: ByteBuffer
    /// Why a body declared as JSON was not embedded as JSON (invalid or truncated), if so.
    public var jsonError: String?

    /// Creates a record with an explicit representation.
    public init(
        size: Int,
        captured: Int,
        truncated: Bool,
        sha256: String,
        contentType: String?,
        contentEncoding: String?,
        encoding: BodyEncoding,
        data: ByteBuffer,
        jsonError: String? = nil
    ) {
        self.size = size
        self.captured = captured
        self.truncated = truncated
        self.sha256 = sha256
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.encoding = encoding
        self.data = data
        self.jsonError = jsonError
    }

    /// Creates a record, choosing the representation from the bytes: well-formed JSON is embedded
    /// verbatim, other valid UTF-8 becomes text, anything else base64. A body whose content type
    /// says JSON but which is not well-formed is flagged in ``jsonError``, never rejected.
    /// - Parameter isWellFormedJSON: The caller already validated `data` as one JSON document
    ///   (as redaction does), so it is not scanned again.
    public init(
        size: Int,
        truncated: Bool,
        sha256: String,
        contentType: String?,
        contentEncoding: String?,
        data: ByteBuffer,
        isWellFormedJSON: Bool = false
    ) {
        let classification = isWellFormedJSON && (contentEncoding ?? "").isEmpty
            ? BodyClassifier.wellFormedJSON(data)
            : BodyClassifier.classify(data, contentType: contentType, contentEncoding: contentEncoding)
        self.init(
            size: size,
            captured: data.readableBytes,
            truncated: truncated,
            sha256: sha256,
            contentType: contentType,
            contentEncoding: contentEncoding,
            encoding: classification.encoding,
            data: data,
            jsonError: classification.jsonError
        )
    }

    /// Whether a `Content-Type` declares JSON (`application/json`, `text/json`, `*+json`).
    public static func declaresJSON(_ contentType: String?) -> Bool {
        BodyClassifier.isJSONMediaType(contentType)
    }
}

/// What a body's ``BodyRecord/sha256`` covers.
public enum DigestScope: String, Sendable, Equatable {
    /// All `size` bytes as received.
    case wire
    /// ``BodyRecord/data`` as stored (redacted, withheld or decoded).
    case stored
}
