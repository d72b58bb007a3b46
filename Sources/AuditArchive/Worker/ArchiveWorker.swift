import AuditEnvelope
import Kafka
import Logging
import ServiceLifecycle
import Synchronization

/// The consumer-group member that archives its partitions: reads envelopes and hands each
/// partition's records to its ``PartitionLane``, which archives them in parallel with the other
/// partitions and commits a partition's offsets only after a segment of it is durable.
///
/// On assignment each partition resumes from the archive's own newest manifest, so a crash
/// between fsync and commit neither duplicates nor loses. A partition whose writer lock another
/// writer holds is refused (logged, counted, shown on `/readyz`) and its records are left
/// uncommitted; once the lock is free the member rejoins the group to take it. On revocation and
/// on SIGTERM the open segments are closed and committed. Each durable segment is announced on
/// the witness topic when one is configured. A publish that another writer won (`conflict`, in
/// a bucket) lets that partition go: the member rejoins and resumes after the newest manifest.
public final class ArchiveWorker<Consumer: ArchiveConsumer>: Service {
    private let consumer: Consumer
    private let topic: String
    private let configuration: ArchiveConfiguration
    private let status: WorkerStatus
    private let metrics = ArchiveWorkerMetrics()
    private let logger: Logger
    private let chunkBudget: ChunkMemoryBudget
    private let witness: WitnessPublisher?
    private let backlog = ArchiveBacklog(limit: 64 * 1024 * 1024)
    private let failure = Mutex<ArchiveError?>(nil)
    /// Partitions whose publish another writer won (`conflict`), waiting for the loop to let
    /// them go and re-read their head.
    private let conflicts = Mutex<Set<KafkaTopicPartition>>([])
    /// The lanes of the partitions held; changed only by the consuming loop.
    private let lanes = Mutex<[KafkaTopicPartition: PartitionLane]>([:])

    /// How often time-based rotation and chunk timeouts are checked: every second, or a quarter
    /// of `--segment-max-open` when that is shorter, so that a segment closes close to its time.
    private let tickInterval: Duration
    /// How often refused partitions' locks are probed.
    private let lockProbeInterval: Duration

    /// Creates the worker.
    /// - Parameters:
    ///   - consumer: The group member (``KafkaConsumer``), not yet subscribed.
    ///   - topic: The topic to archive.
    ///   - configuration: The archive root, rotation, limits and signing key.
    ///   - chunkBudget: The memory bound of chunk sets waiting for their other chunks.
    ///   - witness: Where checkpoints of durable segments go, if anywhere.
    ///   - status: What the admin endpoints report.
    ///   - lockProbeInterval: How often refused partitions' locks are probed. Default: 5 s.
    ///   - logger: Where the worker logs.
    public init(
        consumer: Consumer,
        topic: String,
        configuration: ArchiveConfiguration,
        chunkBudget: ChunkMemoryBudget,
        witness: WitnessPublisher?,
        status: WorkerStatus,
        lockProbeInterval: Duration = .seconds(5),
        logger: Logger
    ) {
        self.lockProbeInterval = lockProbeInterval
        self.consumer = consumer
        self.topic = topic
        self.configuration = configuration
        self.chunkBudget = chunkBudget
        self.witness = witness
        self.tickInterval = min(.seconds(1), configuration.rotation.maxOpenDuration / 4)
        self.status = status
        self.logger = logger
    }

    /// Archives until a graceful shutdown (SIGTERM): then closes the open segments, commits them
    /// and leaves the group.
    /// - Throws: The ``ArchiveError`` that stopped archiving (a disk error), or the consumer's.
    public func run() async throws {
        try consumer.subscribe(topics: [topic])
        do {
            try await cancelWhenGracefulShutdown { try await self.consume() }
            logger.info("stopping: closing open segments")
            await close(takeLanes { _ in true })
            try throwIfFailed()
            try await consumer.close()
            await witness?.close()
        } catch {
            await close(takeLanes { _ in true })
            status.failed("\(error)")
            logger.error("archiving failed; offsets after the last durable segment stay uncommitted", metadata: ["error": "\(error)"])
            try? await consumer.close()
            await witness?.close()
            throw error
        }
    }

    private func consume() async throws {
        var refused = Set<KafkaTopicPartition>()
        var lastTick = ContinuousClock.now
        var lastProbe = ContinuousClock.now
        for try await event in consumer.events(idleAfter: tickInterval) {
            try throwIfFailed()
            switch event {
            case .partitionsAssigned(let partitions):
                var starts: [KafkaTopicPartitionOffset] = []
                for partition in partitions {
                    guard let opened = try await open(partition) else {
                        if !status.isUntrusted(partition.description) { refused.insert(partition) }
                        continue
                    }
                    lanes.withLock { $0[partition] = opened.lane }
                    if let start = opened.startOffset {
                        starts.append(KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: start))
                    }
                    if let head = opened.head { await witness?.publish(head.manifest, sha256: head.sha256, manifestPath: head.path) }
                }
                try consumer.startAssignedPartitions(at: starts)
                logger.info("partitions assigned", metadata: [
                    "partitions": "\(partitions.map(\.description).sorted())",
                    "resume": "\(starts.map(\.description).sorted())",
                ])
            case .partitionsRevoked(let partitions):
                await close(takeLanes { partitions.contains($0) })
                refused.subtract(partitions)
                for partition in partitions { status.accepted(partition.description) }
                try throwIfFailed()
                logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description).sorted())"])
            case .message(let message):
                metrics.records.increment()
                let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
                guard let lane = lanes.withLock({ $0[partition] }) else { break }
                let input = ArchiveInput(
                    offset: message.offset,
                    record: EnvelopeRecord(
                        headers: message.headers.map { HeaderField(name: $0.key, value: $0.value.map { String(buffer: $0) } ?? "") },
                        value: message.value
                    ),
                    key: message.key,
                    timestampMilliseconds: message.timestampMilliseconds
                )
                let bytes = message.value.readableBytes + message.headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.readableBytes ?? 0) }
                await backlog.reserve(bytes)
                lane.submit(input, reservedBytes: bytes)
            case .idle:
                break
            }
            for partition in conflicts.withLock({ taken in defer { taken = [] }; return taken }) {
                await close(takeLanes { $0 == partition })
                refused.insert(partition)
                metrics.publishConflicts.increment()
                status.refused(partition.description)
                logger.warning("another writer published this partition's next segment first; nothing was overwritten. Letting the partition go: the member rejoins and resumes after the newest manifest", metadata: [
                    "partition": "\(partition)",
                ])
            }
            let held = lanes.withLock { Array($0.values) }
            status.joined(assigned: held.count)
            metrics.assignedPartitions.record(held.count)
            if ContinuousClock.now - lastTick >= tickInterval {
                lastTick = .now
                for lane in held { lane.tick() }
            }
            if !refused.isEmpty, ContinuousClock.now - lastProbe >= lockProbeInterval {
                lastProbe = .now
                try rejoinIfLockFreed(refused)
            }
        }
    }

    /// Opens a partition's archive and lane; `nil` when another writer holds its lock.
    private func open(_ partition: KafkaTopicPartition) async throws -> PartitionLane.Opened? {
        let opened: PartitionLane.Opened
        do {
            opened = try await PartitionLane.open(
                partition,
                configuration: configuration,
                chunkBudget: chunkBudget,
                backlog: backlog,
                logger: logger,
                commit: { [weak self] segments in await self?.commit(segments) },
                onFailure: { [weak self] error in self?.laneFailed(partition, error) }
            )
        } catch let error as ArchiveError where error.code == .locked {
            metrics.lockRefusals.increment()
            status.refused(partition.description)
            logger.error("partition refused: another writer holds its lock; its records stay uncommitted here until the lock is free", metadata: [
                "partition": "\(partition)", "reason": "\(error.reason)",
            ])
            return nil
        } catch let error as ArchiveError where error.code == .untrustedHead {
            refuseUntrustedHead(partition, error.reason)
            return nil
        }
        if let head = opened.head, let problem = await headPastWatermark(head, of: partition) {
            await opened.lane.close()
            refuseUntrustedHead(partition, problem)
            return nil
        }
        status.accepted(partition.description)
        return opened
    }

    /// Leaves a partition whose newest manifest cannot be trusted untaken: counted, logged and
    /// shown on readiness; not retried by a rejoin (the head stays what it is until an operator
    /// looks), never republished on the witness topic.
    private func refuseUntrustedHead(_ partition: KafkaTopicPartition, _ reason: String) {
        metrics.untrustedHeads.increment()
        status.untrusted(partition.description, reason)
        logger.critical("partition not taken: its newest manifest cannot be trusted; its records stay uncommitted", metadata: [
            "partition": "\(partition)", "reason": "\(reason)",
        ])
    }

    /// Why `head` cannot be the partition's head given the broker's watermarks, if it cannot: it
    /// covers offsets the partition has not reached (a planted manifest would make the writer
    /// skip every record up to its `lastOffset`). When the watermarks cannot be read, the head's
    /// other checks stand and this is logged.
    private func headPastWatermark(_ head: ManifestFile, of partition: KafkaTopicPartition) async -> String? {
        do {
            let (_, high) = try await consumer.watermarks(for: partition, timeout: .seconds(10))
            guard head.manifest.lastOffset < high else {
                return "\(head.path) covers offsets up to \(head.manifest.lastOffset), but the partition's next offset is \(high)"
            }
            return nil
        } catch {
            logger.warning("could not read the partition's watermarks to check its newest manifest against them", metadata: [
                "partition": "\(partition)", "error": "\(error)",
            ])
            return nil
        }
    }

    /// A lane failed: a `conflict` lets that partition go (it is taken again after a rejoin,
    /// from the newest manifest); anything else stops the member.
    private func laneFailed(_ partition: KafkaTopicPartition, _ error: ArchiveError) {
        guard error.code == .conflict else {
            failure.withLock { $0 = $0 ?? error }
            return
        }
        logger.warning("segment publish refused", metadata: ["partition": "\(partition)", "reason": "\(error.reason)"])
        conflicts.withLock { _ = $0.insert(partition) }
    }

    /// Removes and returns the lanes of the partitions `matching` selects.
    private func takeLanes(_ matching: (KafkaTopicPartition) -> Bool) -> [PartitionLane] {
        lanes.withLock { lanes in
            let taken = lanes.filter { matching($0.key) }
            for partition in taken.keys { lanes[partition] = nil }
            return Array(taken.values)
        }
    }

    /// Rejoins the group (a fresh assignment) when a refused partition's lock is free; in a
    /// bucket, where there is no lock, at the first probe after a publish conflict.
    private func rejoinIfLockFreed(_ refused: Set<KafkaTopicPartition>) throws {
        let freed = refused.filter { !PartitionArchiver.isLockedByAnotherWriter(topic: $0.topic, partition: $0.partition, configuration: configuration) }
        guard !freed.isEmpty else { return }
        logger.notice("refused partitions can be taken again (the other writer's lock is free, or a publish conflict is to be resumed from the newest manifest); rejoining the group", metadata: [
            "partitions": "\(freed.map(\.description).sorted())",
        ])
        try consumer.unsubscribe()
        try consumer.subscribe(topics: [topic])
    }

    private func close(_ lanes: [PartitionLane]) async {
        await withTaskGroup(of: Void.self) { group in
            for lane in lanes { group.addTask { await lane.close() } }
        }
    }

    private func throwIfFailed() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Publishes checkpoints and commits the partition's offset after its newest durable segment.
    /// A failed commit is only logged: the archive, not the group's offset, is where a partition
    /// resumes.
    private func commit(_ segments: [ClosedSegment]) async {
        guard let last = segments.last else { return }
        for segment in segments {
            await witness?.publish(segment.manifest, sha256: segment.manifestSHA256, manifestPath: segment.manifestPath)
            metrics.record(segment)
            logger.info("segment archived", metadata: [
                "manifest": "\(segment.manifestPath)",
                "envelopes": "\(segment.manifest.count)",
                "offsets": "\(segment.manifest.firstOffset)-\(segment.manifest.lastOffset)",
                "bytes": "\(segment.manifest.segment.bytes)",
            ])
        }
        let offset = KafkaTopicPartitionOffset(topic: last.manifest.topic, partition: last.manifest.partition, offset: last.commitOffset)
        do {
            try await consumer.commit([offset])
        } catch {
            metrics.commitFailures.increment()
            logger.warning("offset commit failed; the archive still resumes at its own offsets", metadata: [
                "offset": "\(offset)", "error": "\(error)",
            ])
        }
    }
}
