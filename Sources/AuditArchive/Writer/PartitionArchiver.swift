import AuditEnvelope
import Foundation
import Logging
import NIOCore

/// Writes one partition's records into archive segments, exactly once.
///
/// Records are reassembled into envelopes and appended to the open segment; records that are not
/// valid envelopes go to its dead-letter file. A segment closes when it reaches a rotation limit:
/// it is finished and fsynced in the staging directory and published by the partition's store
/// (``PartitionStore``: renamed into place with its manifest and the directory fsynced, or
/// uploaded with the manifest last and only if new); only then does the returned
/// ``ClosedSegment`` give the offset to commit.
///
/// On creation it resumes from the partition's newest manifest: ``startOffset`` is where reading
/// must start, and records at or before that manifest's last offset are skipped, except chunks it
/// carried over. A replay after a crash therefore rewrites the same segment names with the same
/// records.
///
/// In a directory it holds the partition's writer lock (``PartitionLock``) from creation until
/// ``close()`` or deinit; a second writer is refused before it touches any file. In a bucket a
/// second writer's publish is refused (`conflict`) before it overwrites anything. No record can
/// make it fail: invalid, oversize or multi-line envelopes and inconsistent chunk sets become
/// dead letters.
///
/// Not thread-safe, and blocking (file I/O, fsync): one owner calls it off the cooperative pool.
public final class PartitionArchiver {
    /// The topic.
    public let topic: String
    /// The partition.
    public let partition: Int32
    /// Where reading must start: the newest manifest's `resumeOffset`, or `nil` when the archive
    /// holds nothing of this partition (start at the group's committed offset).
    public let startOffset: Int64?

    /// The newest manifest when the partition was opened, if any.
    public let resumedFrom: ManifestFile?

    private let configuration: ArchiveConfiguration
    private let store: any PartitionStore
    private let logger: Logger
    private var reassembler: ChunkReassembler<Int64>
    private var chainHead: String?
    private var durableThrough: Int64?
    private var coveredThrough: Int64?
    private let carriedOver: [String: Set<Int64>]
    /// The event-time window of a segment, at least one second.
    private let windowMicroseconds: Int64
    private var open: OpenSegment?
    private var waitingDeadLetters: [DeadLetter] = []
    private var warnedAboutRewind = false

    /// Opens the partition's archive.
    /// - Parameters:
    ///   - chunkBudget: The memory budget for incomplete chunk sets, shared by every partition of
    ///     the process.
    /// - Throws: ``ArchiveError``: `locked` when another writer holds the partition (directory);
    ///   `untrustedHead` when its newest manifest fails ``HeadManifestCheck``; otherwise when the
    ///   root cannot be created, listed or the partition's newest manifest cannot be read.
    public init(
        topic: String,
        partition: Int32,
        configuration: ArchiveConfiguration,
        chunkBudget: ChunkMemoryBudget,
        logger: Logger
    ) throws(ArchiveError) {
        self.topic = topic
        self.partition = partition
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "partition"] = "\(topic)[\(partition)]"
        self.logger = logger
        windowMicroseconds = max(1, configuration.rotation.eventTimeInterval.components.seconds) * 1_000_000
        reassembler = ChunkReassembler(maxEnvelopeBytes: configuration.maxEnvelopeBytes, budget: chunkBudget, timeout: configuration.chunkTimeout)
        if let objectStore = configuration.objectStore {
            store = try ObjectStorePartitionStore(root: objectStore, topic: topic, partition: partition, logger: logger)
        } else {
            store = try DirectoryPartitionStore(
                layout: ArchiveLayout(root: configuration.root), topic: topic, partition: partition,
                holder: "\(configuration.writer), pid \(ProcessInfo.processInfo.processIdentifier) on \(ProcessInfo.processInfo.hostName)",
                logger: logger
            )
        }
        let head = store.head
        if let head, let problem = HeadManifestCheck.problem(head, topic: topic, partition: partition, configuration: configuration) {
            store.release()
            throw ArchiveError(.untrustedHead, "\(topic)[\(partition)]: not resuming from \(head.path): \(problem)")
        }
        resumedFrom = head
        chainHead = head?.sha256
        durableThrough = head?.manifest.lastOffset
        coveredThrough = durableThrough
        startOffset = head?.manifest.resumeOffset
        carriedOver = Dictionary(
            (head?.manifest.carriedOver ?? []).map { ($0.id, Set($0.offsets)) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// Whether another writer holds the writer lock of `topic`'s `partition` under the
    /// configuration's root now; always `false` in a bucket, where no lock is taken.
    public static func isLockedByAnotherWriter(topic: String, partition: Int32, configuration: ArchiveConfiguration) -> Bool {
        guard configuration.objectStore == nil else { return false }
        return PartitionLock.isHeld(layout: ArchiveLayout(root: configuration.root), topic: topic, partition: partition)
    }

    /// Adds one record.
    /// - Returns: Segments this record closed (by a rotation limit), in order.
    /// - Throws: ``ArchiveError`` when writing fails; the open segment is then abandoned and its
    ///   offsets stay uncommitted.
    public func append(_ input: ArchiveInput, now: ContinuousClock.Instant = .now) throws(ArchiveError) -> [ClosedSegment] {
        if let durableThrough, input.offset <= durableThrough {
            if let startOffset, input.offset < startOffset, !warnedAboutRewind {
                warnedAboutRewind = true
                logger.error("Kafka delivered offsets before the archive's resume offset: was the topic recreated or the group reset? Records up to the archive's last offset are skipped as already archived", metadata: [
                    "offset": "\(input.offset)", "archive.resumeOffset": "\(startOffset)", "archive.lastOffset": "\(durableThrough)",
                ])
            }
            refeedCarriedChunk(input, now: now)
            return []
        }
        if let coveredThrough, input.offset <= coveredThrough { return [] }
        var closed: [ClosedSegment] = []
        do throws(ArchiveError) {
            let outcome: ChunkReassembler<Int64>.Outcome
            do throws(EnvelopeError) {
                outcome = try reassembler.add(input.record, at: input.offset, now: now)
            } catch {
                try cover(input, now: now)
                try deadLetter(DeadLetter(invalid: input, topic: topic, partition: partition, reason: error.description), kafkaTimestamp: input.timestampMilliseconds)
                try deadLetterGivenUp()
                return closed + (try closeIfFull())
            }
            try deadLetterGivenUp()
            guard case .envelope(let envelope, let positions) = outcome else {
                try cover(input, now: now)
                return closed + (try closeIfFull())
            }
            let event: AuditEnvelope.ArchiveEvent
            do throws(EnvelopeError) {
                event = try envelope.archiveEvent()
                try envelope.checkSingleLine()
            } catch {
                try cover(input, now: now)
                try deadLetter(DeadLetter(invalid: input, topic: topic, partition: partition, reason: error.description), kafkaTimestamp: input.timestampMilliseconds)
                return closed + (try closeIfFull())
            }
            if let segment = open, segment.excludes(eventTime: envelope.time) {
                var carried = reassembler.pendingPositions
                let earlierChunks = positions.filter { $0 != input.offset }
                if !earlierChunks.isEmpty { carried[envelope.id] = earlierChunks }
                closed.append(try closeOpen(carried: carried))
            }
            try cover(input, now: now)
            try open?.append(envelope, event: event, windowInterval: windowMicroseconds)
            return closed + (try closeIfFull())
        } catch {
            abandonOpen()
            throw error
        }
    }

    /// Time-based work: gives up chunk sets past their timeout (into the dead-letter file) and
    /// closes the open segment once it has been open for the maximum duration.
    /// - Returns: The segment closed, if any.
    /// - Throws: ``ArchiveError`` when writing fails.
    public func tick(now: ContinuousClock.Instant = .now) throws(ArchiveError) -> [ClosedSegment] {
        do throws(ArchiveError) {
            try deadLetterGivenUp(reassembler.expire(now: now))
            guard let segment = open, segment.hasContent, now - segment.openedAt >= configuration.rotation.maxOpenDuration else { return [] }
            return [try closeOpen(carried: reassembler.pendingPositions)]
        } catch {
            abandonOpen()
            throw error
        }
    }

    /// Closes the open segment (partition revoked, or shutting down). A segment holding only
    /// chunks of incomplete envelopes is abandoned: its offsets stay uncommitted and are read
    /// again by whoever takes the partition.
    /// - Returns: The segment closed, if any.
    /// - Throws: ``ArchiveError`` when writing fails; the segment is then abandoned.
    public func close() throws(ArchiveError) -> [ClosedSegment] {
        defer { store.release() }
        guard let segment = open else { return [] }
        guard segment.hasContent else {
            abandonOpen()
            return []
        }
        do throws(ArchiveError) {
            return [try closeOpen(carried: reassembler.pendingPositions)]
        } catch {
            abandonOpen()
            throw error
        }
    }

    /// Dead-letters the chunk sets the reassembler gave up.
    private func deadLetterGivenUp(_ sets: [ChunkReassembler<Int64>.IncompleteSet]? = nil) throws(ArchiveError) {
        for set in sets ?? reassembler.takeGivenUp() {
            logger.warning("chunked envelope incomplete; its chunks go to the dead-letter file", metadata: [
                "exchange.id": "\(set.id)", "reason": "\(set.reason)", "offsets": "\(set.positions.sorted())",
            ])
            try deadLetter(DeadLetter(incomplete: set, topic: topic, partition: partition), kafkaTimestamp: nil)
        }
    }

    private func refeedCarriedChunk(_ input: ArchiveInput, now: ContinuousClock.Instant) {
        guard let id = input.record.header(EnvelopeChunker.idHeader), carriedOver[id]?.contains(input.offset) == true else { return }
        // A carried chunk was valid when first read; it completes only with a later offset.
        _ = try? reassembler.add(input.record, at: input.offset, now: now)
    }

    /// Extends the open segment (opening one if needed) to `input`'s offset.
    private func cover(_ input: ArchiveInput, now: ContinuousClock.Instant) throws(ArchiveError) {
        let expected = coveredThrough.map { $0 + 1 } ?? input.offset
        if open == nil {
            var segment = try OpenSegment(
                name: SegmentFileName(topic: topic, partition: partition, startOffset: expected),
                stagingDirectory: store.stagingDirectory,
                compressionLevel: configuration.compressionLevel,
                now: now
            )
            for letter in waitingDeadLetters { try segment.append(letter, kafkaTimestamp: nil) }
            waitingDeadLetters = []
            open = segment
        }
        if input.offset > expected {
            logger.warning("offsets missing from Kafka (retention or compaction); recorded in the manifest", metadata: [
                "from": "\(expected)", "to": "\(input.offset - 1)",
            ])
            open?.gaps.append(SegmentManifest.OffsetGap(from: expected, to: input.offset - 1))
        }
        open?.cover(kafkaTimestamp: input.timestampMilliseconds)
        open?.lastOffset = input.offset
        coveredThrough = input.offset
    }

    private func deadLetter(_ letter: DeadLetter, kafkaTimestamp: Int64?) throws(ArchiveError) {
        logger.warning("record is not a valid envelope; kept in the dead-letter file", metadata: [
            "offsets": "\(letter.offsets)", "reason": "\(letter.reason)",
        ])
        guard open != nil else {
            waitingDeadLetters.append(letter)
            return
        }
        try open?.append(letter, kafkaTimestamp: kafkaTimestamp)
    }

    private func closeIfFull() throws(ArchiveError) -> [ClosedSegment] {
        guard let segment = open,
            segment.lines.compressedBytes >= configuration.rotation.maxBytes || segment.lines.lineCount >= configuration.rotation.maxRecords
        else { return [] }
        return [try closeOpen(carried: reassembler.pendingPositions)]
    }

    private func abandonOpen() {
        open?.abandon()
        open = nil
        coveredThrough = durableThrough
    }

    /// Makes the open segment durable: finish and fsync its files, build and sign its manifest,
    /// and have the store publish them (manifest last).
    private func closeOpen(carried: [String: [Int64]]) throws(ArchiveError) -> ClosedSegment {
        guard let segment = open else { throw ArchiveError(.io, "no open segment of \(topic)[\(partition)] to close") }
        let finished = try segment.finish()
        let directoryTime = segment.firstEventTime ?? segment.firstKafkaTimestamp.map { $0 * 1000 } ?? WallClock.microseconds()
        let name = segment.name
        let unsigned = segment.manifest(finished, carried: carried, previousManifestSHA256: chainHead, writer: configuration.writer)
        let manifest = try configuration.signingKey.map { key throws(ArchiveError) in try unsigned.signed(with: key) } ?? unsigned
        let manifestBytes = manifest.encoded()
        var files = [StagedSegment.File(kind: .segment, path: segment.lines.path, sha256: manifest.segment.sha256)]
        if let deadLetters = segment.deadLetters, let digest = manifest.deadLetters {
            files.append(.init(kind: .deadLetters, path: deadLetters.path, sha256: digest.sha256))
        }
        files.append(.init(kind: .index, path: finished.indexPath, sha256: finished.index.sha256))
        let manifestPath = try store.publish(StagedSegment(
            name: name,
            directory: ArchiveLayout.segmentSubdirectory(topic: topic, eventTime: directoryTime),
            files: files,
            manifest: manifestBytes
        ))

        open = nil
        chainHead = ArchiveDigest.sha256(manifestBytes)
        durableThrough = segment.lastOffset
        coveredThrough = segment.lastOffset
        let durableAt = WallClock.microseconds()
        logger.debug("segment archived", metadata: [
            "manifest": "\(manifestPath)", "envelopes": "\(manifest.count)",
            "offsets": "\(manifest.firstOffset)-\(manifest.lastOffset)", "bytes": "\(manifest.segment.bytes)",
        ])
        return ClosedSegment(
            manifest: manifest,
            manifestPath: manifestPath,
            manifestSHA256: ArchiveDigest.sha256(manifestBytes),
            commitOffset: manifest.resumeOffset,
            archiveDelays: segment.exchangeEnds.map { durableAt - $0 }
        )
    }
}
