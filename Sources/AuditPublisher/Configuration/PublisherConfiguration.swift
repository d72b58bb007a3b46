/// Settings of an ``AuditPublisher``.
public struct PublisherConfiguration: Sendable {
    /// The Kafka topic envelopes go to.
    /// Default: `audit.http.exchanges`.
    public var topic: String = "audit.http.exchanges"

    /// A request header whose value becomes the Kafka key (for example a tenant id), so that one
    /// tenant's exchanges stay in order on one partition; exchanges without it are keyed by
    /// their exchange id.
    /// Default: `nil` (key by exchange id).
    public var keyHeader: String?

    /// The most bytes of captured exchanges waiting between the request path and Kafka.
    /// Default: 256 MiB.
    public var queueMaxBytes: Int = 256 * 1024 * 1024

    /// How long a graceful shutdown waits for queued and in-flight envelopes to be acknowledged.
    /// Default: 10 s.
    public var drainTimeout: Duration = .seconds(10)

    /// Creates a configuration with the defaults above.
    public init() {}
}
