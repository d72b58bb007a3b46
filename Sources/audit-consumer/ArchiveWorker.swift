import AuditArchive
import AuditEnvelope
import Kafka
import Logging
import ServiceLifecycle

/// The consumer-group member that archives its partitions: reads envelopes, hands them to one
/// ``PartitionArchiver`` per partition, and commits a partition's offsets only after a segment of
/// it is durable.
///
/// On assignment each partition resumes from the archive's own newest manifest, so a crash
/// between fsync and commit neither duplicates nor loses. On revocation and on SIGTERM the open
/// segments are closed and committed.
final class ArchiveWorker: Service {
    private let consumer: KafkaConsumer
    private let topic: String
    private let configuration: ArchiveConfiguration
    private let status: WorkerStatus
    private let metrics = ConsumerMetrics()
    private let logger: Logger
    private let pool = ArchiverPool()

    /// How often time-based rotation and chunk timeouts are checked: every second, or a quarter
    /// of `--segment-max-open` when that is shorter, so that a segment closes close to its time.
    private let tickInterval: Duration

    init(consumer: KafkaConsumer, topic: String, configuration: ArchiveConfiguration, status: WorkerStatus, logger: Logger) {
        self.consumer = consumer
        self.topic = topic
        self.configuration = configuration
        self.tickInterval = min(.seconds(1), configuration.rotation.maxOpenDuration / 4)
        self.status = status
        self.logger = logger
    }

    func run() async throws {
        try consumer.subscribe(topics: [topic])
        do {
            try await cancelWhenGracefulShutdown { try await self.consume() }
            logger.info("stopping: closing open segments")
            try await commit(pool.run { archivers in
                defer { archivers = [:] }
                return try archivers.values.flatMap { try $0.close() }
            })
            try await consumer.close()
        } catch {
            status.failed("\(error)")
            logger.error("archiving failed; offsets after the last durable segment stay uncommitted", metadata: ["error": "\(error)"])
            try? await consumer.close()
            throw error
        }
    }

    private func consume() async throws {
        let configuration = self.configuration
        let logger = self.logger
        var assigned = Set<KafkaTopicPartition>()
        var lastTick = ContinuousClock.now
        for try await event in consumer.events(idleAfter: tickInterval) {
            switch event {
            case .partitionsAssigned(let partitions):
                let starts = try await pool.run { archivers in
                    try partitions.compactMap { partition -> KafkaTopicPartitionOffset? in
                        let archiver = try PartitionArchiver(topic: partition.topic, partition: partition.partition, configuration: configuration, logger: logger)
                        archivers[partition] = archiver
                        return archiver.startOffset.map { KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: $0) }
                    }
                }
                try consumer.startAssignedPartitions(at: starts)
                assigned.formUnion(partitions)
                logger.info("partitions assigned", metadata: [
                    "partitions": "\(partitions.map(\.description).sorted())",
                    "resume": "\(starts.map(\.description).sorted())",
                ])
            case .partitionsRevoked(let partitions):
                let closed = try await pool.run { archivers in
                    try partitions.flatMap { partition in try archivers.removeValue(forKey: partition)?.close() ?? [] }
                }
                try await commit(closed)
                assigned.subtract(partitions)
                logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description).sorted())"])
            case .message(let message):
                metrics.records.increment()
                let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
                let input = ArchiveInput(
                    offset: message.offset,
                    record: EnvelopeRecord(
                        headers: message.headers.map { HeaderField(name: $0.key, value: $0.value.map { String(buffer: $0) } ?? "") },
                        value: message.value
                    ),
                    key: message.key,
                    timestampMilliseconds: message.timestampMilliseconds
                )
                try await commit(pool.run { archivers in try archivers[partition]?.append(input) ?? [] })
            case .idle:
                break
            }
            status.joined(assigned: assigned.count)
            metrics.assignedPartitions.record(assigned.count)
            if ContinuousClock.now - lastTick >= tickInterval {
                lastTick = .now
                try await commit(pool.run { archivers in try archivers.values.flatMap { try $0.tick() } })
            }
        }
    }

    /// Commits each partition's offset after its newest durable segment. A failed commit is only
    /// logged: the archive, not the group's offset, is where a partition resumes.
    private func commit(_ segments: [ClosedSegment]) async throws {
        guard !segments.isEmpty else { return }
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for segment in segments {
            metrics.record(segment)
            offsets[KafkaTopicPartition(topic: segment.manifest.topic, partition: segment.manifest.partition)] = segment.commitOffset
            logger.info("segment archived", metadata: [
                "manifest": "\(segment.manifestPath)",
                "envelopes": "\(segment.manifest.count)",
                "offsets": "\(segment.manifest.firstOffset)-\(segment.manifest.lastOffset)",
                "bytes": "\(segment.manifest.segment.bytes)",
            ])
        }
        let commits = offsets.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
        do {
            try await consumer.commit(commits)
        } catch {
            metrics.commitFailures.increment()
            logger.warning("offset commit failed; the archive still resumes at its own offsets", metadata: [
                "offsets": "\(commits.map(\.description))", "error": "\(error)",
            ])
        }
    }
}
