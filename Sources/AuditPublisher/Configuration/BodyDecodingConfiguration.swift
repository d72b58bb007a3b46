/// Limits on decoding `Content-Encoding: gzip` and `deflate` bodies before redaction and
/// embedding. A body past either limit is kept as its wire bytes (base64) with the reason, or
/// withheld when any body redaction is configured (its fields could not be checked).
public struct BodyDecodingConfiguration: Sendable {
    /// The most bytes a body may decode to.
    /// Default: 4 MiB (audit-producer sets it to its capture limit).
    public var maxBytes: Int = 4 * 1024 * 1024

    /// The most a body may grow when decoded, as a multiple of its wire size (JSON compresses
    /// 5 to 20 times; a bomb of zeros about 1,000 times).
    /// Default: 200.
    public var maxRatio: Int = 200

    /// Whether content-encoded bodies are decoded at all.
    /// Default: `true`.
    public var isEnabled = true

    /// Creates a configuration with the defaults above.
    public init() {}
}
