import AuditCapture
import AuditEnvelope
import Dispatch
import NIOCore

/// Building envelopes (redaction, encoding, hashing) and their Kafka records, on the threads
/// each path needs.
extension AuditPublisher {
    /// The record header that carries an envelope's sequence number beside its `data`.
    static let sequenceHeader = "auditshipper_sequence"

    /// The sequence number of an entry built by this publisher.
    static func sequence(of entry: SpoolEntry) -> Int64? {
        entry.record.header(sequenceHeader).flatMap { Int64($0) }
    }

    /// Builds the envelope of a queued exchange on ``envelopeThreads``: validating, hashing and
    /// copying the bodies takes milliseconds per MB, which on an event loop (Swift concurrency's
    /// executor in audit-producer) would hold up every connection served by that loop, and at
    /// normal priority would take cores from requests in flight.
    func entry(for exchange: CapturedExchange) async -> SpoolEntry {
        await envelopeThreads.run { self.buildEntry(for: exchange) }
    }

    /// Builds the envelope of an exchange whose response waits for it (``Durability/disk``), off
    /// the event loops, several at once: exchanges of different connections have no order
    /// between them, and one connection's next exchange waits for this one.
    func durableEntry(for exchange: CapturedExchange) async -> SpoolEntry {
        await buildEntry(for: exchange, on: durableQueue)
    }

    private func buildEntry(for exchange: CapturedExchange, on queue: DispatchQueue) async -> SpoolEntry {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.buildEntry(for: exchange)) }
        }
    }

    /// The Kafka key of an exchange: the configured request header's value, or the exchange id.
    func kafkaKey(for exchange: CapturedExchange) -> String {
        keyField.flatMap { exchange.requestHeaders[$0] } ?? exchange.exchangeID
    }

    /// What replaying `entry` sends: the entry itself, or for an exchange spilled as captured
    /// the envelope built from it on ``envelopeThreads`` (`nil`: its bytes are not an exchange).
    func replayable(_ entry: SpoolEntry) async -> SpoolEntry? {
        guard SpooledExchange.isSpooledExchange(entry) else { return entry }
        guard let exchange = SpooledExchange.exchange(from: entry) else { return nil }
        return await self.entry(for: exchange)
    }

    private func buildEntry(for exchange: CapturedExchange) -> SpoolEntry {
        let envelope = exchange.sequence.map { builder.envelope(for: exchange, producer: sequence.producerID, sequence: $0) } ?? builder.envelope(for: exchange)
        let key = kafkaKey(for: exchange)
        var headers = KafkaBinaryCodec.headers(for: envelope)
        if let number = exchange.sequence {
            // So that a drop anywhere later (spool full, too large, replay) can name its number.
            headers.append(HeaderField(name: Self.sequenceHeader, value: String(number)))
        }
        return SpoolEntry(key: ByteBuffer(string: key), record: EnvelopeRecord(headers: headers, value: envelope.data))
    }
}
