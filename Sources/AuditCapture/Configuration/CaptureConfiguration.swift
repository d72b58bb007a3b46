/// Settings of the capture middleware.
public struct CaptureConfiguration: Sendable {
    /// Which exchanges to capture; the first matching rule decides.
    /// Default: none (nothing is captured).
    public var rules: [RouteRule] = []

    /// How request paths are read before rules match them (always normalized; case and
    /// `;parameters` as set here).
    /// Default: case-sensitive, parameters kept.
    public var pathMatching = PathMatching()

    /// The most bytes kept per body; longer bodies are truncated in the envelope while `size`
    /// and `sha256` still cover every byte.
    /// Default: 4 MiB.
    public var bodyCaptureLimit: Int = 4 * 1024 * 1024

    /// The most bytes (by buffer capacity) that exchanges being captured may hold at once; past
    /// it, new body bytes are not kept (`truncatedReason: memoryBudget`) while sizes and hashes
    /// still cover them. `nil` sets no budget.
    /// Default: 128 MiB.
    public var captureMemoryMax: Int? = 128 * 1024 * 1024

    /// The header that carries the request id; propagated when present, otherwise set to the
    /// exchange id, and returned on the response.
    /// Default: `X-Request-ID`.
    public var requestIDHeader: String = "X-Request-ID"

    /// A response header that returns each recorded exchange's receipt to the client
    /// (``ExchangeReceipt/headerValue``: producer id and sequence number), set on captured
    /// responses and removed from every other response (an upstream cannot forge one). `nil`
    /// sends none.
    /// Default: none.
    public var receiptHeader: String? = nil

    /// Creates a configuration with the defaults above.
    public init() {}
}
