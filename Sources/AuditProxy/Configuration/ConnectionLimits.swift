import NIOCore

/// Limits on what one client connection may take from the proxy.
public struct ConnectionLimits: Sendable, Equatable {
    /// The largest request head (request line and header fields, as received) in bytes; a larger
    /// one is answered `431` and its connection closed, before anything reaches the upstream.
    /// At most ``maximumHeaderBytes``.
    /// Default: 64 KiB.
    public var maxHeaderBytes: Int = 64 * 1024

    /// How long a request head may take to arrive, from its first byte; a slower one is answered
    /// `408` and its connection closed.
    /// Default: 10 seconds.
    public var headerReadTimeout: TimeAmount = .seconds(10)

    /// How long a connection may sit with nothing to do: between requests (keep-alive), or while
    /// the proxy waits for the next bytes of a request body. An idle keep-alive connection is
    /// closed; a stalled body is answered `408` where a response has not started.
    /// Default: 60 seconds.
    public var idleTimeout: TimeAmount = .seconds(60)

    /// The most client connections open at once; past it the proxy stops accepting (new
    /// connections wait in the listen backlog) until one closes.
    /// Default: 1024.
    public var maxConnections: Int = 1024

    /// The largest value ``maxHeaderBytes`` may take. AsyncHTTPClient 1.37 traps when the request
    /// head it forwards is larger than its connection's 64 KiB write buffer and the request has a
    /// body (its state machine resumes the body before it marks the head sent), so heads that
    /// would reach it larger than this are refused here.
    public static let maximumHeaderBytes = 64 * 1024

    /// Creates limits with the defaults above.
    public init() {}
}
