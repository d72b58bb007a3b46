import Dispatch
import Metrics

/// The disk spool as the publisher uses it: every operation runs on one serial I/O queue, off
/// Swift's cooperative pool, and the spooling mode lives there too, so that the choice "spool or
/// send" and the append happen as one step.
///
/// `@unchecked Sendable`: `disk` and `isSpooling` are read and written only inside blocks run on
/// `queue`, a serial dispatch queue, so no two accesses ever overlap.
final class Spool: @unchecked Sendable {
    private let disk: DiskSpool
    private let queue = DispatchQueue(label: "auditshipper.spool")
    private var isSpooling: Bool
    private let bytesGauge = Gauge(label: "auditshipper_spool_bytes")
    private let filesGauge = Gauge(label: "auditshipper_spool_files")

    init(configuration: SpoolConfiguration) throws {
        disk = try DiskSpool(
            directory: configuration.directory,
            maxBytes: configuration.maxBytes,
            segmentBytes: configuration.segmentBytes,
            syncInterval: configuration.syncInterval
        )
        // Envelopes left by an earlier run go first: new ones queue behind them.
        isSpooling = !disk.isEmpty
        recordGauges()
    }

    /// Appends `entry` if the publisher is spooling; returns `nil` when it should be sent instead.
    /// - Returns: Whether it was stored (`false`: the spool is full).
    func appendIfSpooling(_ entry: SpoolEntry) async throws -> Bool? {
        try await run { spool in spool.isSpooling ? try spool.appendNow(entry) : nil }
    }

    /// Switches to spooling and appends `entry`; for envelopes Kafka could not take.
    func append(_ entry: SpoolEntry) async throws -> Bool {
        try await run { spool in
            spool.isSpooling = true
            return try spool.appendNow(entry)
        }
    }

    /// New envelopes go to the spool from now on (Kafka is unreachable).
    func startSpooling() async {
        _ = try? await run { spool in spool.isSpooling = true }
    }

    /// The oldest segment to replay, sealing the active one if it is all there is; `nil` when
    /// the spool is empty, in which case sending directly resumes.
    func nextReplay() async throws -> DiskSpool.Replay? {
        try await run { spool in
            if spool.disk.sealed.isEmpty {
                if spool.disk.isEmpty {
                    spool.isSpooling = false
                    return nil
                }
                try spool.disk.seal()
            }
            return try spool.disk.oldest()
        }
    }

    /// Deletes a replayed segment.
    func finished(_ segment: DiskSpool.Segment) async throws {
        try await run { spool in
            try spool.disk.delete(segment)
            spool.recordGauges()
        }
    }

    /// Remembers that the first `count` entries of `segment` were acknowledged.
    func acknowledged(_ segment: DiskSpool.Segment, count: Int) async throws {
        try await run { spool in try spool.disk.markAcknowledged(segment, count: count) }
    }

    /// Fsyncs the active segment if its sync interval has passed.
    func syncIfDue() async throws {
        try await run { spool in try spool.disk.syncIfDue() }
    }

    /// Fsyncs and closes the active segment.
    func close() async throws {
        try await run { spool in
            try spool.disk.close()
            spool.recordGauges()
        }
    }

    /// Whether entries could be stored now (below the size limit).
    func hasRoom() async -> Bool {
        (try? await run { spool in spool.disk.totalBytes < spool.disk.maxBytes }) ?? false
    }

    private func appendNow(_ entry: SpoolEntry) throws -> Bool {
        defer { recordGauges() }
        return try disk.append(entry)
    }

    private func recordGauges() {
        bytesGauge.record(disk.totalBytes)
        filesGauge.record(disk.fileCount)
    }

    private func run<Value: Sendable>(_ body: @escaping @Sendable (Spool) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self) }) }
        }
    }
}
