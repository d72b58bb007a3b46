/// Settings of a ``KafkaConsumer``.
///
/// Offsets are never committed behind the caller's back: auto-commit and automatic offset
/// storing are off unless ``additionalProperties`` turns them on, so a caller commits only
/// what it has made durable (at-least-once).
public struct KafkaConsumerConfiguration: Sendable {
    /// The consumer group this member joins (`group.id`).
    public var groupID: String

    /// Brokers to bootstrap from, as `host:port`.
    /// Default: `["127.0.0.1:9092"]`.
    public var bootstrapServers: [String] = ["127.0.0.1:9092"]

    /// The client id sent to brokers and shown in logs.
    /// Default: `"auditshipper-consumer"`.
    public var clientID: String = "auditshipper-consumer"

    /// Where to start when the group has no committed offset for a partition.
    /// Default: `.earliest`, so nothing produced before the first start is skipped.
    public var autoOffsetReset: KafkaAutoOffsetReset = .earliest

    /// How long the group waits for a silent member before rebalancing (`session.timeout.ms`).
    /// Default: 10 s.
    public var sessionTimeout: Duration = .seconds(10)

    /// How long a member may go between polls before it leaves the group (`max.poll.interval.ms`).
    /// Default: 300 s.
    public var maxPollInterval: Duration = .seconds(300)

    /// How long a single request may wait for a broker (`socket.timeout.ms`).
    /// Default: 60 s.
    public var socketTimeout: Duration = .seconds(60)

    /// The largest record batch fetched from one partition (`max.partition.fetch.bytes`); a larger
    /// message is still fetched whole.
    /// Default: 1 MiB.
    public var maxPartitionFetchBytes: Int = 1_048_576

    /// How long the fetcher pauses once the local queue of fetched records is full
    /// (`fetch.queue.backoff.ms`, librdkafka 2.4 and later; not set on older versions). A
    /// consumer that processes more slowly than it fetches keeps its queue full, and librdkafka's
    /// default pause of 1 s then outlasts the queue: the consumer idles.
    /// Default: 10 ms.
    public var fetchQueueBackoff: Duration = .milliseconds(10)

    /// Any other librdkafka property, passed through as is.
    /// Default: empty.
    public var additionalProperties: [String: String] = [:]

    /// Creates a configuration for a member of `groupID`, with the defaults above.
    /// - Parameter groupID: The consumer group to join.
    public init(groupID: String) {
        self.groupID = groupID
    }

    /// The first librdkafka version with `fetch.queue.backoff.ms`.
    static let fetchQueueBackoffSince = KafkaRuntimeVersion(hex: 0x0204_0000)

    /// The librdkafka properties this configuration sets.
    public var properties: [String: String] {
        var properties: [String: String] = [
            "group.id": groupID,
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "auto.offset.reset": autoOffsetReset.propertyValue,
            "session.timeout.ms": String(sessionTimeout.wholeMilliseconds),
            "max.poll.interval.ms": String(maxPollInterval.wholeMilliseconds),
            "socket.timeout.ms": String(socketTimeout.wholeMilliseconds),
            "max.partition.fetch.bytes": String(maxPartitionFetchBytes),
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
        ]
        if KafkaRuntimeVersion.current >= Self.fetchQueueBackoffSince {
            properties["fetch.queue.backoff.ms"] = String(fetchQueueBackoff.wholeMilliseconds)
        }
        properties.merge(additionalProperties) { _, passedThrough in passedThrough }
        return properties
    }
}
