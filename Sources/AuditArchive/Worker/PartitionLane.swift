import AuditEnvelope
import Dispatch
import Kafka
import Logging

/// One partition's archiving: its ``PartitionArchiver`` confined to a serial dispatch queue of
/// its own (blocking file I/O and fsync stay off the cooperative pool, and partitions archive in
/// parallel), and a committer task that handles its closed segments in order: checkpoint on the
/// witness topic, metrics, offset commit. Work is handed over without waiting; ``close()`` waits
/// for everything handed over, closes the segment and returns once its offset is committed.
///
/// `@unchecked Sendable`: `archiver` and `failed` are read and written only inside blocks that
/// run on `queue`, a serial queue, so no two accesses overlap; the archiver never leaves it.
final class PartitionLane: @unchecked Sendable {
    private let queue: DispatchQueue
    private var archiver: PartitionArchiver?
    private var failed = false
    private let segments: AsyncStream<[ClosedSegment]>.Continuation
    private let committer: Task<Void, Never>
    private let backlog: ArchiveBacklog
    private let onFailure: @Sendable (ArchiveError) -> Void

    /// What opening a partition found.
    struct Opened: Sendable {
        let lane: PartitionLane
        /// Where reading must start (the archive's resume offset), if it holds the partition.
        let startOffset: Int64?
        /// The partition's newest manifest, if any.
        let head: ManifestFile?
    }

    /// Opens the partition's archive on a new lane's queue (taking its writer lock).
    /// - Parameters:
    ///   - commit: Handles the segments one closing made durable (called in order, one at a time).
    ///   - onFailure: Called once when archiving fails; the lane then drops further work.
    /// - Throws: ``ArchiveError`` (`locked` when another writer holds the partition).
    static func open(
        _ partition: KafkaTopicPartition,
        configuration: ArchiveConfiguration,
        chunkBudget: ChunkMemoryBudget,
        backlog: ArchiveBacklog,
        logger: Logger,
        commit: @escaping @Sendable ([ClosedSegment]) async -> Void,
        onFailure: @escaping @Sendable (ArchiveError) -> Void
    ) async throws -> Opened {
        let queue = DispatchQueue(label: "auditshipper.archive.\(partition)")
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { () throws(ArchiveError) -> Opened in
                    let archiver = try PartitionArchiver(
                        topic: partition.topic, partition: partition.partition, configuration: configuration, chunkBudget: chunkBudget, logger: logger
                    )
                    let lane = PartitionLane(archiver: archiver, queue: queue, backlog: backlog, commit: commit, onFailure: onFailure)
                    return Opened(lane: lane, startOffset: archiver.startOffset, head: archiver.resumedFrom)
                }.mapError { $0 as Error })
            }
        }
    }

    private init(
        archiver: PartitionArchiver,
        queue: DispatchQueue,
        backlog: ArchiveBacklog,
        commit: @escaping @Sendable ([ClosedSegment]) async -> Void,
        onFailure: @escaping @Sendable (ArchiveError) -> Void
    ) {
        self.archiver = archiver
        self.queue = queue
        self.backlog = backlog
        self.onFailure = onFailure
        let (stream, continuation) = AsyncStream.makeStream(of: [ClosedSegment].self)
        segments = continuation
        committer = Task {
            for await closed in stream { await commit(closed) }
        }
    }

    /// Appends a record whose `bytes` were reserved in the backlog; they are released once it
    /// is written.
    func submit(_ input: ArchiveInput, reservedBytes bytes: Int) {
        queue.async {
            defer { self.backlog.release(bytes) }
            self.run { archiver throws(ArchiveError) in try archiver.append(input) }
        }
    }

    /// Time-based rotation and chunk timeouts.
    func tick() {
        queue.async {
            self.run { archiver throws(ArchiveError) in try archiver.tick() }
        }
    }

    /// Waits for the work handed over, closes the open segment (releasing the partition's lock)
    /// and returns once every closed segment is committed.
    func close() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                self.run { archiver throws(ArchiveError) in try archiver.close() }
                self.archiver = nil
                self.segments.finish()
                done.resume()
            }
        }
        await committer.value
    }

    /// Runs `body` unless the lane failed; hands its segments to the committer.
    private func run(_ body: (PartitionArchiver) throws(ArchiveError) -> [ClosedSegment]) {
        guard !failed, let archiver else { return }
        do throws(ArchiveError) {
            let closed = try body(archiver)
            if !closed.isEmpty { segments.yield(closed) }
        } catch {
            failed = true
            self.archiver = nil
            onFailure(error)
        }
    }
}
