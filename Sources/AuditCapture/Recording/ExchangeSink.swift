/// Where finished exchanges go. The capture middleware knows nothing of Kafka: a publisher
/// implements this.
public protocol ExchangeSink: Sendable {
    /// Takes a finished exchange. Called on the response path after the last byte is written, so
    /// it must return at once: queue the exchange, never wait for I/O.
    func submit(_ exchange: CapturedExchange)
}
