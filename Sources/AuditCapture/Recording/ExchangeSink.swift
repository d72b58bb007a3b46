/// Where finished exchanges go. The capture middleware knows nothing of Kafka: a publisher
/// implements this.
public protocol ExchangeSink: Sendable {
    /// Takes a finished exchange. Normally called after the last response byte has been written
    /// (the client already has the response); it should return at once, and may wait only when
    /// its own documented overflow policy says so. When ``recordsBeforeResponseEnds`` is `true`
    /// it is called before the response's last chunk is written, and that chunk waits for it.
    func submit(_ exchange: CapturedExchange) async

    /// Whether the middleware holds back the last chunk of each captured response until
    /// ``submit(_:)`` has returned, so that no client has a response whose exchange the sink
    /// has not taken (a sink that makes exchanges durable in `submit`). Costs each response the
    /// time `submit` takes, and delays each chunk until the next one is produced.
    var recordsBeforeResponseEnds: Bool { get }

    /// Numbers an exchange whose response is about to start, for a sink that numbers exchanges
    /// (the publisher). The middleware calls it once per recorded exchange, before the response
    /// head is written, and the exchange reaches ``submit(_:)`` with that number in
    /// ``CapturedExchange/sequence``: a client that was answered can hold its number even when
    /// the process dies before the exchange is handed over.
    /// - Returns: The receipt, or `nil` when this sink does not number exchanges.
    func reserveReceipt() -> ExchangeReceipt?
}

extension ExchangeSink {
    /// By default exchanges are handed over after the response ended.
    public var recordsBeforeResponseEnds: Bool { false }

    /// By default exchanges are not numbered.
    public func reserveReceipt() -> ExchangeReceipt? { nil }
}
