/// Why an exchange did not reach Kafka. Every drop is counted under its reason and logged.
public enum DropReason: String, Sendable, CaseIterable {
    /// The byte-bounded queue was full.
    case queueFull = "queue_full"
    /// The envelope is larger than the Kafka message limit.
    case tooLarge = "too_large"
    /// Kafka refused the record before queueing it (unknown topic, fatal client error, closed).
    case refused = "refused"
    /// librdkafka gave up delivering it (`message.timeout.ms`).
    case deliveryFailed = "delivery_failed"
    /// Shutdown's drain deadline passed first.
    case shutdown = "shutdown"
}
