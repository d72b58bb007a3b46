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
/// between fsync and commit neither duplicates nor loses. A partition whose writer lock another
/// writer holds is refused (logged, counted, shown on `/readyz`) and its records are left
/// uncommitted. On revocation and on SIGTERM the open segments are closed and committed. Each
/// durable segment is announced on the witness topic when one is configured.
final class ArchiveWorker: Service {
    private let consumer: KafkaConsumer
    private let topic: String
    private let configuration: ArchiveConfiguration
    private let status: WorkerStatus
    private let metrics = ConsumerMetrics()
    private let logger: Logger
    private let pool = ArchiverPool()
    private let chunkBudget: ChunkMemoryBudget
    private let witness: WitnessPublisher?

    /// How often time-based rotation and chunk timeouts are checked: every second, or a quarter
    /// of `--segment-max-open` when that is shorter, so that a segment closes close to its time.
    private let tickInterval: Duration

    init(
        consumer: KafkaConsumer,
        topic: String,
        configuration: ArchiveConfiguration,
        chunkBudget: ChunkMemoryBudget,
        witness: WitnessPublisher?,
        status: WorkerStatus,
        logger: Logger
    ) {
        self.consumer = consumer
        self.topic = topic
        self.configuration = configuration
        self.chunkBudget = chunkBudget
        self.witness = witness
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
            await witness?.close()
        } catch {
            status.failed("\(error)")
            logger.error("archiving failed; offsets after the last durable segment stay uncommitted", metadata: ["error": "\(error)"])
            try? await consumer.close()
            await witness?.close()
            throw error
        }
    }

    private func consume() async throws {
        let configuration = self.configuration
        let chunkBudget = self.chunkBudget
        let logger = self.logger
        let metrics = self.metrics
        let status = self.status
        var assigned = Set<KafkaTopicPartition>()
        var lastTick = ContinuousClock.now
        for try await event in consumer.events(idleAfter: tickInterval) {
            switch event {
            case .partitionsAssigned(let partitions):
                let opened = try await pool.run { archivers in
                    try partitions.compactMap { partition -> OpenedPartition? in
                        do {
                            let archiver = try PartitionArchiver(
                                topic: partition.topic, partition: partition.partition, configuration: configuration, chunkBudget: chunkBudget, logger: logger
                            )
                            archivers[partition] = archiver
                            status.accepted(partition.description)
                            return OpenedPartition(partition: partition, startOffset: archiver.startOffset, head: archiver.resumedFrom)
                        } catch let error as ArchiveError where error.code == .locked {
                            metrics.lockRefusals.increment()
                            status.refused(partition.description)
                            logger.error("partition refused: another writer holds its lock; its records stay uncommitted here", metadata: [
                                "partition": "\(partition)", "reason": "\(error.reason)",
                            ])
                            return nil
                        }
                    }
                }
                let starts = opened.compactMap { opened in
                    opened.startOffset.map { KafkaTopicPartitionOffset(topic: opened.partition.topic, partition: opened.partition.partition, offset: $0) }
                }
                try consumer.startAssignedPartitions(at: starts)
                for head in opened.compactMap(\.head) {
                    await witness?.publish(head.manifest, sha256: head.sha256, manifestPath: head.path)
                }
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
                for partition in partitions { status.accepted(partition.description) }
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
            await witness?.publish(segment.manifest, sha256: segment.manifestSHA256, manifestPath: segment.manifestPath)
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

/// A partition this member opened: where to start reading, and its newest manifest (whose
/// checkpoint is published again).
private struct OpenedPartition: Sendable {
    var partition: KafkaTopicPartition
    var startOffset: Int64?
    var head: ManifestFile?
}
