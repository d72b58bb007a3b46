import Kafka

/// What the archiving worker needs of a Kafka consumer-group member: its events (assignments,
/// revocations, records, idle ticks), starting assigned partitions at the archive's offsets,
/// committing, leaving and rejoining the group. ``KafkaConsumer`` is one; tests drive the worker
/// with a scripted one.
public protocol ArchiveConsumer: Sendable {
    /// The events of the member.
    associatedtype Events: AsyncSequence, Sendable where Events.Element == KafkaConsumerEvent

    /// Joins the group on `topics`.
    func subscribe(topics: [String]) throws
    /// Leaves the group (a later ``subscribe(topics:)`` rejoins it).
    func unsubscribe() throws
    /// The events, with an idle event after `interval` without one.
    func events(idleAfter interval: Duration) -> Events
    /// Starts the partitions just assigned, those in `offsets` at the offset given.
    func startAssignedPartitions(at offsets: [KafkaTopicPartitionOffset]) throws
    /// The first offset of `partition` and the offset its next record will get, from the broker.
    func watermarks(for partition: KafkaTopicPartition, timeout: Duration) async throws -> (low: Int64, high: Int64)
    /// Commits `offsets` (the next offset to read of each partition).
    func commit(_ offsets: [KafkaTopicPartitionOffset]) async throws
    /// Leaves the group and ends the events.
    func close() async throws
}

extension KafkaConsumer: ArchiveConsumer {}
