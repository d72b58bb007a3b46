/// What a ``KafkaConsumer`` delivers, in order.
///
/// Partition changes wait for the caller: librdkafka applies an assignment or revocation only
/// when the caller asks for the next event after it, so work on revoked partitions (closing a
/// segment, committing its offsets) finishes before they move to another member.
public enum KafkaConsumerEvent: Sendable {
    /// A record.
    case message(KafkaConsumerMessage)
    /// The group gave this member these partitions; reading starts at the committed offsets.
    case partitionsAssigned([KafkaTopicPartition])
    /// The group takes these partitions away once the caller asks for the next event.
    case partitionsRevoked([KafkaTopicPartition])
    /// Nothing arrived for the idle interval given to ``KafkaConsumer/events(idleAfter:)``: a
    /// chance for time-based work such as closing an old segment.
    case idle
}
