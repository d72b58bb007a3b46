/// Where finished exchanges go. The capture middleware knows nothing of Kafka: a publisher
/// implements this.
public protocol ExchangeSink: Sendable {
    /// Takes a finished exchange. Called after the last response byte has been written (the
    /// client already has the response); it should return at once, and may wait only when its
    /// own documented overflow policy says so.
    func submit(_ exchange: CapturedExchange) async
}
