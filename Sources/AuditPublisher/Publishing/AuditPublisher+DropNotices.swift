import AuditEnvelope
import NIOCore

/// Announcing drops and high-water marks on the topic, so that the archive can explain its gaps
/// and tell a deleted tail.
extension AuditPublisher {
    /// Publishes a drop notice for every range of drops not announced yet; the notices take the
    /// envelopes' path (Kafka, or the spool during an outage), keyed by the producer id, signed
    /// with ``PublisherConfiguration/eventSigner`` when there is one.
    func announceDrops() async {
        let ranges = pendingDrops.withLock { $0.take() }
        for range in ranges {
            var notice = DropNotice(producer: sequence.producerID, firstSequence: range.first, lastSequence: range.last, reason: range.reason.rawValue, time: WallClock.microseconds())
            if let signer = configuration.eventSigner {
                do {
                    notice = try notice.signed(by: signer)
                } catch {
                    logger.error("drop notice published unsigned: signing failed", metadata: ["error": "\(error)"])
                }
            }
            logger.notice("drop notice published", metadata: [
                "producer": "\(sequence.producerID)", "sequences": "\(range.first)-\(range.last)", "reason": "\(range.reason.rawValue)",
            ])
            await publishProducerEvent(notice.envelope(source: builder.eventSource))
        }
    }

    /// Publishes a mark naming the highest sequence number given so far, like a drop notice.
    func announceMark() async {
        var mark = ProducerMark(producer: sequence.producerID, highestSequence: sequence.lastNumber, time: WallClock.microseconds())
        if let signer = configuration.eventSigner {
            do {
                mark = try mark.signed(by: signer)
            } catch {
                logger.error("mark published unsigned: signing failed", metadata: ["error": "\(error)"])
            }
        }
        logger.debug("mark published", metadata: ["producer": "\(sequence.producerID)", "sequence": "\(mark.highestSequence)"])
        await publishProducerEvent(mark.envelope(source: builder.eventSource))
    }

    /// Publishes a mark every ``PublisherConfiguration/markInterval``.
    func announceMarksPeriodically() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.markInterval)
            } catch {
                return
            }
            await announceMark()
        }
    }

    /// Publishes a notice or mark on the envelopes' path, keyed by the producer id; it is not
    /// counted as an exchange published.
    private func publishProducerEvent(_ envelope: AuditEnvelope) async {
        let entry = SpoolEntry(key: ByteBuffer(string: sequence.producerID), record: EnvelopeRecord(headers: KafkaBinaryCodec.headers(for: envelope), value: envelope.data))
        await publish(entry, exchangeID: envelope.id, isExchange: false)
    }

    /// Announces drops every second.
    func announceDropsPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            await announceDrops()
        }
    }
}
