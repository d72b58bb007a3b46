/// How an exchange ended.
public struct ExchangeOutcome: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case completed
        case clientDisconnected
        case handlerError
        case upstreamUnavailable
        case upstreamTimeout
        case upstreamError
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// The response was written to the end.
    public static let completed = ExchangeOutcome(.completed)
    /// The client went away while sending the request or receiving the response.
    public static let clientDisconnected = ExchangeOutcome(.clientDisconnected)
    /// The handler threw instead of returning a response.
    public static let handlerError = ExchangeOutcome(.handlerError)
    /// The upstream could not be reached (proxy mode; the client got 502).
    public static let upstreamUnavailable = ExchangeOutcome(.upstreamUnavailable)
    /// The upstream did not answer in time (proxy mode; the client got 504).
    public static let upstreamTimeout = ExchangeOutcome(.upstreamTimeout)
    /// The upstream failed while its response was streaming.
    public static let upstreamError = ExchangeOutcome(.upstreamError)

    /// Parses the name used on the wire.
    public init?(name: String) {
        guard let base = Base(rawValue: name) else { return nil }
        self.base = base
    }

    /// The name used on the wire.
    public var name: String { base.rawValue }
    public var description: String { base.rawValue }
}
