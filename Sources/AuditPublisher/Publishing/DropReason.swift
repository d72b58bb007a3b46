/// Why an exchange did not reach Kafka. Every drop is counted under its reason and logged.
public enum DropReason: String, Sendable, CaseIterable {
    /// The byte-bounded queue was full.
    case queueFull = "queue_full"
    /// The envelope is larger than the Kafka message limit.
    case tooLarge = "too_large"
    /// Kafka refused the record before queueing it (unknown topic, fatal client error, closed)
    /// and the spool could not take it either.
    case refused = "refused"
    /// Delivery failed and the spool could not take it either.
    case deliveryFailed = "delivery_failed"
    /// The disk spool is at its size limit.
    case spoolFull = "spool_full"
    /// Writing to the disk spool failed (disk full, permissions).
    case spoolError = "spool_error"
}
