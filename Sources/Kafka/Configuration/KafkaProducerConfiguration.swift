/// Settings of a ``KafkaProducer``.
///
/// The typed settings cover what AuditShipper tunes; any other librdkafka property
/// (`security.protocol`, `sasl.*`, `ssl.*`, …) goes in ``additionalProperties`` and
/// overrides a typed setting of the same name.
public struct KafkaProducerConfiguration: Sendable {
    /// Brokers to bootstrap from, as `host:port`.
    /// Default: `["127.0.0.1:9092"]`.
    public var bootstrapServers: [String] = ["127.0.0.1:9092"]

    /// The client id sent to brokers and shown in logs.
    /// Default: `"auditshipper-producer"`.
    public var clientID: String = "auditshipper-producer"

    /// Acknowledgements each produce request waits for.
    /// Default: `.all`.
    public var acks: KafkaAcks = .all

    /// Idempotent producer: no duplicates from retries and per-partition order kept.
    /// Default: `true`.
    public var idempotence: Bool = true

    /// Compression of message batches.
    /// Default: `.lz4`.
    public var compression: KafkaCompression = .lz4

    /// How long to wait for more messages before sending a batch (`linger.ms`).
    /// Default: 5 ms.
    public var linger: Duration = .milliseconds(5)

    /// The largest message the client sends (`message.max.bytes`); larger messages fail with
    /// ``KafkaError/Code/messageTooLarge``.
    /// Default: 1,000,000 bytes (Kafka's default).
    public var messageMaxBytes: Int = 1_000_000

    /// How long librdkafka keeps trying to deliver a message before reporting it failed
    /// (`message.timeout.ms`).
    /// Default: 300 s.
    public var messageTimeout: Duration = .seconds(300)

    /// How long a single request may wait for a broker (`socket.timeout.ms`).
    /// Default: 60 s.
    public var socketTimeout: Duration = .seconds(60)

    /// The most bytes librdkafka buffers locally before `send` waits for room
    /// (`queue.buffering.max.kbytes`).
    /// Default: 64 MiB.
    public var queueBufferingMaxBytes: Int = 64 * 1024 * 1024

    /// The most messages librdkafka buffers locally before `send` waits for room
    /// (`queue.buffering.max.messages`).
    /// Default: 100,000.
    public var queueBufferingMaxMessages: Int = 100_000

    /// Any other librdkafka property, passed through as is.
    /// Default: empty.
    public var additionalProperties: [String: String] = [:]

    /// Creates a configuration with the defaults above.
    public init() {}

    /// The librdkafka properties this configuration sets.
    public var properties: [String: String] {
        var properties: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "acks": acks.propertyValue,
            "enable.idempotence": String(idempotence),
            "compression.codec": compression.propertyValue,
            "linger.ms": String(linger.wholeMilliseconds),
            "message.max.bytes": String(messageMaxBytes),
            "message.timeout.ms": String(messageTimeout.wholeMilliseconds),
            "socket.timeout.ms": String(socketTimeout.wholeMilliseconds),
            "queue.buffering.max.kbytes": String(max(1, queueBufferingMaxBytes / 1024)),
            "queue.buffering.max.messages": String(queueBufferingMaxMessages),
        ]
        properties.merge(additionalProperties) { _, passedThrough in passedThrough }
        return properties
    }
}
