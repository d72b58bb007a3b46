import Dispatch
import Metrics

/// The disk spool as the publisher uses it: two lanes of ``DiskSpool`` segments, every operation
/// run on one serial I/O queue, off Swift's cooperative pool, in the order it was asked for.
/// Whether an envelope goes here or to Kafka is the ``PublisherStateMachine``'s decision.
///
/// Lanes keep order across failed deliveries. An envelope sent straight to Kafka whose delivery
/// fails is older than everything in the main lane (sending directly needs an empty spool, and
/// what is routed to the spool after a failure is newer), but its failure may be reported long
/// after newer envelopes were spooled (librdkafka retries until its message timeout). So failed
/// deliveries go to the retry lane (`<directory>/retry`), which replays first.
///
/// `@unchecked Sendable`: `lanes` is read and written only inside blocks run on `queue`, a serial
/// dispatch queue, so no two accesses ever overlap; `wasEmptyAtStart` is immutable.
final class Spool: @unchecked Sendable {
    /// A segment to replay and its lane.
    struct Replay {
        var lane: SpoolLane
        var segment: DiskSpool.Replay
    }

    private let main: DiskSpool
    private let retries: DiskSpool
    private let maxBytes: Int
    private let queue = DispatchQueue(label: "auditshipper.spool")
    /// Whether an earlier run left nothing to replay.
    let wasEmptyAtStart: Bool
    private let bytesGauge = Gauge(label: "auditshipper_spool_bytes")
    private let filesGauge = Gauge(label: "auditshipper_spool_files")

    init(configuration: SpoolConfiguration) throws {
        func lane(_ directory: String) throws -> DiskSpool {
            try DiskSpool(directory: directory, maxBytes: configuration.maxBytes, segmentBytes: configuration.segmentBytes, syncInterval: configuration.syncInterval)
        }
        main = try lane(configuration.directory)
        retries = try lane(configuration.directory + "/retry")
        maxBytes = configuration.maxBytes
        wasEmptyAtStart = main.isEmpty && retries.isEmpty
        recordGauges()
    }

    /// Appends `entry` to `lane`.
    /// - Returns: Whether it was stored (`false`: the two lanes together are at the size limit).
    func append(_ entry: SpoolEntry, to lane: SpoolLane = .main) async throws -> Bool {
        try await append({ entry }, to: lane)
    }

    /// Appends the entry `make` gives, calling it on the I/O queue (so that encoding a large
    /// entry does not hold up the caller's thread), to `lane`.
    func append(_ make: @escaping @Sendable () -> SpoolEntry, to lane: SpoolLane = .main) async throws -> Bool {
        try await run { spool in
            defer { spool.recordGauges() }
            let (target, other) = lane == .main ? (spool.main, spool.retries) : (spool.retries, spool.main)
            return try target.append(make(), besides: other.totalBytes)
        }
    }

    /// The oldest segment to replay, the retry lane first, sealing a lane's active segment if it
    /// is all that lane has; `nil` when both are empty (every append asked for before this call
    /// has run).
    func nextReplay() async throws -> Replay? {
        try await run { spool in
            for (lane, disk) in [(SpoolLane.retry, spool.retries), (SpoolLane.main, spool.main)] {
                if disk.sealed.isEmpty {
                    if disk.isEmpty { continue }
                    try disk.seal()
                }
                if let segment = try disk.oldest() { return Replay(lane: lane, segment: segment) }
            }
            return nil
        }
    }

    /// Deletes a replayed segment.
    func finished(_ replay: Replay) async throws {
        try await run { spool in
            try spool.disk(replay.lane).delete(replay.segment.segment)
            spool.recordGauges()
        }
    }

    /// Remembers that the first `count` entries of the replayed segment were acknowledged.
    func acknowledged(_ replay: Replay, count: Int) async throws {
        try await run { spool in try spool.disk(replay.lane).markAcknowledged(replay.segment.segment, count: count) }
    }

    /// Fsyncs each lane's active segment if its sync interval has passed.
    func syncIfDue() async throws {
        try await run { spool in
            try spool.retries.syncIfDue()
            try spool.main.syncIfDue()
        }
    }

    /// Fsyncs and closes the active segments.
    func close() async throws {
        try await run { spool in
            try spool.retries.close()
            try spool.main.close()
            spool.recordGauges()
        }
    }

    /// Whether entries could be stored now (below the size limit).
    func hasRoom() async -> Bool {
        (try? await run { spool in spool.main.totalBytes + spool.retries.totalBytes < spool.maxBytes }) ?? false
    }

    private func disk(_ lane: SpoolLane) -> DiskSpool {
        lane == .main ? main : retries
    }

    private func recordGauges() {
        bytesGauge.record(main.totalBytes + retries.totalBytes)
        filesGauge.record(main.fileCount + retries.fileCount)
    }

    private func run<Value: Sendable>(_ body: @escaping @Sendable (Spool) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self) }) }
        }
    }
}
