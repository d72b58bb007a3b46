import Metrics

/// The archiving worker's metrics, exported on `/metrics`.
struct ArchiveWorkerMetrics: Sendable {
    let records = Counter(label: "auditshipper_consumer_records_total")
    let envelopes = Counter(label: "auditshipper_archive_envelopes_total")
    let segments = Counter(label: "auditshipper_archive_segments_total")
    let envelopeBytes = Counter(label: "auditshipper_archive_envelope_bytes_total")
    let segmentBytes = Counter(label: "auditshipper_archive_segment_bytes_total")
    let deadLetters = Counter(label: "auditshipper_archive_dead_letters_total")
    let commitFailures = Counter(label: "auditshipper_consumer_commit_failures_total")
    let lockRefusals = Counter(label: "auditshipper_archive_partition_lock_refusals_total")
    let publishConflicts = Counter(label: "auditshipper_archive_publish_conflicts_total")
    let untrustedHeads = Counter(label: "auditshipper_archive_untrusted_heads_total")
    let assignedPartitions = Gauge(label: "auditshipper_consumer_assigned_partitions")
    let archiveDelay = Timer(label: "auditshipper_archive_delay_seconds", preferredDisplayUnit: .seconds)

    /// Records a segment made durable.
    func record(_ segment: ClosedSegment) {
        let manifest = segment.manifest
        segments.increment()
        envelopes.increment(by: manifest.count)
        envelopeBytes.increment(by: manifest.uncompressedBytes)
        segmentBytes.increment(by: manifest.segment.bytes + (manifest.deadLetters?.bytes ?? 0))
        deadLetters.increment(by: manifest.deadLetters?.lines ?? 0)
        for delay in segment.archiveDelays { archiveDelay.recordMicroseconds(delay) }
    }
}
