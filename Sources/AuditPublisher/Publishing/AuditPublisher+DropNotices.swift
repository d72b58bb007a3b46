import AuditEnvelope
import NIOCore

/// Announcing drops on the topic, so that the archive can explain its gaps.
extension AuditPublisher {
    /// Publishes a drop notice for every range of drops not announced yet; the notices take the
    /// envelopes' path (Kafka, or the spool during an outage), keyed by the producer id.
    func announceDrops() async {
        let ranges = pendingDrops.withLock { $0.take() }
        for range in ranges {
            let notice = DropNotice(producer: sequence.producerID, firstSequence: range.first, lastSequence: range.last, reason: range.reason.rawValue, time: WallClock.microseconds())
            let envelope = notice.envelope(source: builder.eventSource)
            let entry = SpoolEntry(key: ByteBuffer(string: sequence.producerID), record: EnvelopeRecord(headers: KafkaBinaryCodec.headers(for: envelope), value: envelope.data))
            logger.notice("drop notice published", metadata: [
                "producer": "\(sequence.producerID)", "sequences": "\(range.first)-\(range.last)", "reason": "\(range.reason.rawValue)",
            ])
            await publish(entry, exchangeID: envelope.id)
        }
    }

    /// Announces drops every second.
    func announceDropsPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            await announceDrops()
        }
    }
}
