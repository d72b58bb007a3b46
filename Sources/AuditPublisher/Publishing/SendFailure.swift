import Kafka

/// Why Kafka did not take an envelope: refused before queueing (closed or failed producer,
/// unknown topic) or a delivery that failed after it.
struct SendFailure: Error, Sendable {
    /// The producer's error.
    var error: KafkaError
    /// Whether the producer refused it before queueing.
    var beforeQueueing: Bool
}
