import AuditCapture
import AuditEnvelope
import Kafka
import Metrics
import NIOCore

/// Sending envelopes to Kafka or appending them to the spool, as the state machine routes them,
/// and acting on each send's one outcome.
extension AuditPublisher {
    /// Sends an entry to Kafka, or appends it to the spool while the publisher is not `direct`.
    /// `isExchange` false (a drop notice or mark): its delivery is not counted as an exchange's.
    func publish(_ entry: SpoolEntry, exchangeID: String, isExchange: Bool = true) async {
        guard machine.withLock({ $0.route() }) == .send else {
            await append(entry, to: .main, exchangeID: exchangeID, failure: nil)
            return
        }
        let start = ContinuousClock.now
        await send(entry, exchangeID: exchangeID, kind: .fresh) { [metrics] action, failure in
            switch action {
            case .delivered:
                if isExchange {
                    metrics.published.increment()
                    metrics.deliveryLatency.recordElapsed(since: start)
                }
                self.recycle(entry)
            case .spool:
                let reason: DropReason = failure?.beforeQueueing == true ? .refused : .deliveryFailed
                self.logger.warning("Kafka did not take the envelope; spooling", metadata: ["exchange.id": "\(exchangeID)", "kafka.error": "\(failure.map { "\($0.error)" } ?? "")"])
                if case .terminated = self.failedDeliveriesInput.yield(FailedDelivery(entry: entry, exchangeID: exchangeID, reason: reason)) {
                    self.machine.withLock { $0.appendFinished(.retry) }
                    self.drop(exchangeID, sequence: Self.sequence(of: entry), reason, "the publisher had stopped spooling")
                }
            case .ignore, .dropTooLarge, .keepInSpool:
                break
            }
        }
    }

    /// Hands the records of an entry to the producer and reports its one outcome to the state
    /// machine; `settled` then runs once with the action (and the failure, if it failed), on
    /// whichever thread the outcome arrived (librdkafka's callbacks: it must not block).
    /// Delivery receipts are logged and too-large envelopes dropped here.
    func send(
        _ entry: SpoolEntry,
        exchangeID: String,
        kind: PublisherStateMachine.SendKind,
        settled: @escaping @Sendable (PublisherStateMachine.SendAction, SendFailure?) -> Void
    ) async {
        let records = EnvelopeChunker.split(entry.record, id: exchangeID, messageMaxBytes: configuration.messageMaxBytes)
        let id = machine.withLock { machine in
            let id = machine.sendStarted(kind)
            recordInFlight(machine)
            return id
        }
        let delivery = EntryDelivery(chunks: records.count, onDelivered: { report in
            let action = self.sendFinished(id, .delivered)
            if action == .delivered { self.logDelivery(exchangeID, report) }
            settled(action, nil)
        }, onFailed: { [metrics] failure in
            metrics.kafkaError(code: failure.error.rdKafkaErrorName ?? "\(failure.error.code)").increment()
            settled(self.sendFinished(id, .failed), failure)
        })
        for record in records {
            let message = KafkaProducerMessage(
                topic: configuration.topic,
                key: entry.key,
                value: record.value,
                headers: record.headers.map { KafkaHeader(key: $0.name, string: $0.value) }
            )
            do {
                try await producer.enqueue(message) { delivery.record($0) }
            } catch let error as KafkaError {
                guard error.code == .messageTooLarge else {
                    delivery.refused(error)
                    return
                }
                let action = sendFinished(id, .tooLarge)
                if action == .dropTooLarge {
                    drop(exchangeID, sequence: Self.sequence(of: entry), .tooLarge, "\(error)", kafkaError: error)
                }
                settled(action, nil)
                return
            } catch {
                delivery.refused(KafkaError(.closed, reason: "\(error)"))
                return
            }
        }
    }

    /// Reports a send's outcome to the state machine.
    private func sendFinished(_ id: PublisherStateMachine.SendID, _ outcome: PublisherStateMachine.SendOutcome) -> PublisherStateMachine.SendAction {
        machine.withLock { machine in
            let action = machine.sendFinished(id, outcome)
            recordInFlight(machine)
            return action
        }
    }

    /// Sets the in-flight gauge inside the state machine's lock, so that two updates cannot land
    /// in the other order and leave a stale count (a gauge update is an atomic store, no I/O).
    private func recordInFlight(_ machine: PublisherStateMachine) {
        metrics.inFlight.record(machine.inFlightCount)
    }

    /// Spools an entry whatever the mode (durability is `disk`); everything after it follows it there.
    func store(_ entry: SpoolEntry, exchangeID: String) async {
        machine.withLock { $0.forceSpool() }
        await append(entry, to: .main, exchangeID: exchangeID, failure: nil)
        recycle(entry)
    }

    /// Gives the buffer of an envelope that was built here back to the builder's pool, once
    /// Kafka acknowledged it or the spool holds it.
    private func recycle(_ entry: SpoolEntry) {
        builder.pool.recycle(entry.record.value)
        metrics.bufferPoolBytes.record(builder.pool.idleBytes)
    }

    /// Spools an exchange that overflowed the queue as captured (``SpooledExchange``, encoded on
    /// the spool's I/O queue): its connection waits for a copy and a write, not for its envelope,
    /// which the replay builds. Everything after it follows it to the spool.
    func spill(_ exchange: CapturedExchange) async {
        machine.withLock { $0.forceSpool() }
        let key = kafkaKey(for: exchange)
        await append(to: .main, exchangeID: exchange.exchangeID, sequence: exchange.sequence, failure: nil) {
            SpooledExchange.entry(for: exchange, key: key)
        }
    }

    /// Appends an entry the state machine routed to `lane`, counting it or its drop: under
    /// `failure` (the reason Kafka did not take it) when given, else `spool_full`/`spool_error`.
    /// A drop notice or mark is not counted as an exchange: one the spool cannot take is logged.
    func append(_ entry: SpoolEntry, to lane: SpoolLane, exchangeID: String, failure: DropReason?) async {
        await append(to: lane, exchangeID: exchangeID, sequence: Self.sequence(of: entry), failure: failure, isExchange: !entry.isProducerEvent) { entry }
    }

    /// Appends the entry `make` gives (on the spool's I/O queue) to `lane`; see
    /// ``append(_:to:exchangeID:failure:)``.
    private func append(
        to lane: SpoolLane, exchangeID: String, sequence: Int64?, failure: DropReason?, isExchange: Bool = true, make: @escaping @Sendable () -> SpoolEntry
    ) async {
        let stored: Result<Bool, any Error>
        do {
            stored = .success(try await spool.append(make, to: lane))
        } catch {
            stored = .failure(error)
        }
        machine.withLock { $0.appendFinished(lane) }
        switch stored {
        case .success(true):
            if isExchange { metrics.spooled.increment() }
        case .success(false) where !isExchange, .failure where !isExchange:
            logger.warning("a drop notice or mark could neither reach Kafka nor the spool", metadata: ["event.id": "\(exchangeID)"])
        case .success(false):
            drop(exchangeID, sequence: sequence, failure ?? .spoolFull, failure == nil ? "spool at its size limit" : "and the spool is at its size limit")
        case .failure(let error):
            drop(exchangeID, sequence: sequence, failure ?? .spoolError, failure == nil ? "\(error)" : "and the spool failed: \(error)")
        }
    }

    /// Spools, in the order they failed, the entries Kafka did not take; one that the spool
    /// cannot take either is dropped under the failure's reason (`refused`, `delivery_failed`).
    func spoolFailedDeliveries() async {
        for await failure in failedDeliveries {
            await append(failure.entry, to: .retry, exchangeID: failure.exchangeID, failure: failure.reason)
        }
    }

    /// A delivery receipt at debug level: where the broker said it stored the envelope (the last
    /// chunk's position for chunked ones), for tracing an exchange end to end.
    func logDelivery(_ exchangeID: String, _ report: KafkaDeliveryReport) {
        logger.debug("envelope delivered", metadata: [
            "exchange.id": "\(exchangeID)",
            "kafka.partition": "\(report.partition)",
            "kafka.offset": "\(report.offset.map(String.init) ?? "none")",
        ])
    }

    /// Counts, logs and (for a numbered exchange) queues for a drop notice.
    func drop(_ exchangeID: String, sequence: Int64?, _ reason: DropReason, _ detail: String, kafkaError: KafkaError? = nil) {
        metrics.dropped(reason: reason).increment()
        if let sequence { pendingDrops.withLock { $0.add(sequence, reason: reason) } }
        if let kafkaError { metrics.kafkaError(code: kafkaError.rdKafkaErrorName ?? "\(kafkaError.code)").increment() }
        dropLog.record(reason, exchangeID: exchangeID, detail: detail)
    }
}

extension Timer {
    fileprivate func recordElapsed(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
