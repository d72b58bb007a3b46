/// When an exchange started, when its first response byte was written and when it ended, in
/// microseconds since the Unix epoch (written as RFC 3339 on the wire).
public struct ExchangeTimings: Sendable, Equatable {
    /// The request head arrived.
    public var start: Int64
    /// The first response body byte was handed to the server (or the head, for empty bodies);
    /// `nil` when no response was written.
    public var firstResponseByte: Int64?
    /// The last response byte was written, or the exchange failed.
    public var end: Int64

    /// Creates timings.
    public init(start: Int64, firstResponseByte: Int64?, end: Int64) {
        self.start = start
        self.firstResponseByte = firstResponseByte
        self.end = end
    }
}
