import Metrics

/// The publisher's metrics (swift-metrics; exposed by whatever backend the process bootstraps).
struct PublisherMetrics: Sendable {
    let captured = Counter(label: "auditshipper_exchanges_captured_total")
    let published = Counter(label: "auditshipper_exchanges_published_total")
    let spooled = Counter(label: "auditshipper_exchanges_spooled_total")
    let replayed = Counter(label: "auditshipper_exchanges_replayed_total")
    let spoolDamaged = Counter(label: "auditshipper_spool_damaged_records_total")
    let queueBytes = Gauge(label: "auditshipper_queue_bytes")
    /// The capacity of the spool segment being replayed (read whole; its entries share it).
    let replayBytes = Gauge(label: "auditshipper_spool_replay_bytes")
    /// The capacity of the buffers kept for building envelopes while no build holds them.
    let bufferPoolBytes = Gauge(label: "auditshipper_envelope_buffer_pool_bytes")
    let kafkaReachable = Gauge(label: "auditshipper_kafka_reachable")
    /// Envelopes handed to Kafka whose outcome (acknowledged or failed) is not known yet.
    let inFlight = Gauge(label: "auditshipper_kafka_in_flight")
    let deliveryLatency = Timer(label: "auditshipper_delivery_latency_seconds", preferredDisplayUnit: .seconds)

    func dropped(reason: DropReason) -> Counter {
        Counter(label: "auditshipper_exchanges_dropped_total", dimensions: [("reason", reason.rawValue)])
    }

    func kafkaError(code: String) -> Counter {
        Counter(label: "auditshipper_kafka_errors_total", dimensions: [("code", code)])
    }
}
