import AuditCapture
import AuditEnvelope
import Dispatch
import HTTPTypes
import Kafka
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Synchronization

/// Bridges captured exchanges to Kafka without losing them.
///
/// - A queue bounded in bytes takes exchanges from the request path without waiting; when it is
///   full the ``OverflowPolicy`` applies (spool, drop or block).
/// - Envelopes are built (redaction, encoding) off the response path and split into chunks when
///   larger than the Kafka message limit.
/// - While Kafka is unreachable, when a delivery fails, or after an overflow, envelopes go to a
///   checksummed disk spool; once Kafka answers again the spool is replayed in order and deleted,
///   and envelopes go straight to Kafka again. Order is kept: nothing is sent directly while
///   older envelopes wait in the spool.
/// - Every exchange that reaches neither Kafka nor the spool is counted under
///   `auditshipper_exchanges_dropped_total{reason}` and logged (rate-limited).
///
/// Run it in a `ServiceGroup`. On graceful shutdown it stops taking exchanges, publishes what is
/// queued, waits up to ``PublisherConfiguration/drainTimeout`` for acknowledgements and spools
/// the rest; a restart replays the spool.
public final class AuditPublisher: Service, ExchangeSink {
    private let configuration: PublisherConfiguration
    private let producer: KafkaProducer
    private let builder: EnvelopeBuilder
    private let queue: ExchangeQueue
    private let orderGate = OrderGate()
    private let spool: Spool
    private let sequence: ProducerSequence
    private let keyField: HTTPField.Name?
    private let logger: Logger
    private let metrics = PublisherMetrics()
    private let dropLog: RateLimitedDropLog
    /// Drops waiting to be announced on the topic by a drop notice.
    private let pendingDrops = Mutex(PendingDrops())
    private let reachable = Atomic<Bool>(false)
    private let hasCheckedKafka = Atomic<Bool>(false)
    /// Envelopes handed to the producer whose outcome is not known yet.
    private let inFlight = Atomic<Int>(0)
    private let spoolHasRoom = Atomic<Bool>(true)
    /// Where envelopes of exchanges that overflow the queue are built (see ``overflowEntry(for:)``),
    /// one at a time, in order, under the order gate.
    private let overflowQueue = DispatchQueue(label: "auditshipper.overflow-envelopes")
    /// Entries whose delivery failed, posted by librdkafka's delivery-report thread (which must
    /// never block) and spooled in order by ``spoolFailedDeliveries()``.
    private let failedDeliveries: AsyncStream<FailedDelivery>
    private let failedDeliveriesInput: AsyncStream<FailedDelivery>.Continuation

    /// Creates a publisher and opens its spool.
    /// - Parameters:
    ///   - configuration: Topic, key, queue, overflow, spool, redaction and event source settings.
    ///   - producer: The Kafka producer; the publisher closes it when it stops.
    ///   - logger: For drops, spool and Kafka state changes.
    /// - Throws: When the spool directory cannot be created or read.
    public init(configuration: PublisherConfiguration, producer: KafkaProducer, logger: Logger) throws {
        self.configuration = configuration
        self.producer = producer
        self.builder = EnvelopeBuilder(configuration: configuration)
        self.queue = ExchangeQueue(maxBytes: configuration.queueMaxBytes)
        self.spool = try Spool(configuration: configuration.spool)
        self.sequence = try ProducerSequence(directory: configuration.spool.directory)
        self.keyField = configuration.keyHeader.flatMap { HTTPField.Name($0) }
        self.logger = logger
        self.dropLog = RateLimitedDropLog(logger: logger)
        (failedDeliveries, failedDeliveriesInput) = AsyncStream.makeStream(of: FailedDelivery.self)
    }

    /// This publisher's id in envelopes (`producer`), kept in the spool directory.
    public var producerID: String { sequence.producerID }

    /// Whether the last periodic check reached a Kafka broker.
    public var isKafkaReachable: Bool { reachable.load(ordering: .relaxed) }

    /// Why the publisher cannot recover by itself, if it cannot: the Kafka producer failed
    /// fatally (for example a broker that lost its idempotent-producer state). Envelopes keep
    /// going to the spool; a restart replays them with a new producer.
    public var fatalFailure: String? { producer.fatalError.map { "\($0)" } }

    /// Whether envelopes can be kept: Kafka is reachable or the spool has room.
    public var isReady: Bool { isKafkaReachable || spoolHasRoom.load(ordering: .relaxed) }

    /// Takes a finished exchange. Queues it without waiting; when the queue is full, applies the
    /// overflow policy (spooling or blocking wait here, after the response was written).
    public func submit(_ exchange: CapturedExchange) async {
        metrics.captured.increment()
        var exchange = exchange
        exchange.sequence = sequence.next()
        defer { metrics.queueBytes.record(queue.queuedBytes) }
        switch configuration.overflowPolicy {
        case .block:
            if queue.offer(exchange) { return }
            if await !queue.offerWaiting(exchange) { await spoolInOrder(after: exchange, endingOverflow: false) }
        case .drop:
            if queue.offer(exchange) { return }
            drop(exchange.exchangeID, sequence: exchange.sequence, .queueFull, "queue holds \(queue.queuedBytes) of \(queue.maxBytes) bytes")
        default:
            if queue.offer(exchange, startingOverflow: true) { return }
            await spoolInOrder(after: exchange, endingOverflow: true)
        }
    }

    /// Spools the exchanges still queued, oldest first, and then `exchange`, under the order gate
    /// (first come, first served): an overflowing exchange never reaches the spool before older
    /// ones, and while it waits newer ones overflow behind it instead of entering the queue.
    private func spoolInOrder(after exchange: CapturedExchange, endingOverflow: Bool) async {
        await orderGate.withGate {
            for older in queue.takeAll() {
                await store(await overflowEntry(for: older), exchangeID: older.exchangeID)
            }
            await store(await overflowEntry(for: exchange), exchangeID: exchange.exchangeID)
            if endingOverflow { queue.endOverflow() }
        }
    }

    public func run() async throws {
        // Until the first check answers, exchanges wait in the queue: sending them to a broker
        // that turns out to be down would leave them in librdkafka, ahead of later ones that spool.
        await checkKafka()
        let failureSpooler = Task { await self.spoolFailedDeliveries() }
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await self.watchKafka() }
            background.addTask { await self.replaySpool() }
            background.addTask { await self.syncSpool() }
            background.addTask { await self.announceDropsPeriodically() }
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    while await queue.waitForItem() {
                        // Taken under the gate: an overflow may have spooled it meanwhile.
                        await orderGate.withGate {
                            guard let exchange = queue.take() else { return }
                            metrics.queueBytes.record(queue.queuedBytes)
                            await publish(await entry(for: exchange), exchangeID: exchange.exchangeID)
                        }
                    }
                } onCancel: {
                    queue.finish()
                }
            } onGracefulShutdown: {
                self.queue.finish()
            }
            background.cancelAll()
        }
        await announceDrops()
        do {
            try await producer.flush(timeout: configuration.drainTimeout)
            logger.info("audit publisher drained: every envelope was acknowledged or spooled")
        } catch {
            logger.warning("audit publisher: drain deadline passed; spooling unacknowledged envelopes", metadata: ["kafka.error": "\(error)"])
        }
        // Purged deliveries are posted as failures before close returns; spool them, then close.
        await producer.close(timeout: .milliseconds(100))
        failedDeliveriesInput.finish()
        await failureSpooler.value
        do {
            try await spool.close()
        } catch {
            logger.error("audit publisher: closing the spool failed", metadata: ["error": "\(error)"])
        }
    }

    /// Builds the envelope of a queued exchange on ``EnvelopeThreads``, one at a time (keeping
    /// order): validating, hashing and copying the bodies takes milliseconds per MB, which on an
    /// event loop (Swift concurrency's executor in audit-producer) would hold up every connection
    /// served by that loop, and at normal priority would take cores from requests in flight.
    private func entry(for exchange: CapturedExchange) async -> SpoolEntry {
        await EnvelopeThreads.run { self.buildEntry(for: exchange) }
    }

    /// Builds the envelope of an exchange that overflowed the queue, off the event loops but at
    /// normal priority: its connection waits until it is spooled, and until then a crash would
    /// lose it, so it must not wait behind the low-priority threads on a busy machine.
    private func overflowEntry(for exchange: CapturedExchange) async -> SpoolEntry {
        await withCheckedContinuation { continuation in
            overflowQueue.async { continuation.resume(returning: self.buildEntry(for: exchange)) }
        }
    }

    private func buildEntry(for exchange: CapturedExchange) -> SpoolEntry {
        let envelope = exchange.sequence.map { builder.envelope(for: exchange, producer: sequence.producerID, sequence: $0) } ?? builder.envelope(for: exchange)
        let key = keyField.flatMap { exchange.requestHeaders[$0] } ?? exchange.exchangeID
        var headers = KafkaBinaryCodec.headers(for: envelope)
        if let number = exchange.sequence {
            // So that a drop anywhere later (spool full, too large, replay) can name its number.
            headers.append(HeaderField(name: Self.sequenceHeader, value: String(number)))
        }
        return SpoolEntry(key: ByteBuffer(string: key), record: EnvelopeRecord(headers: headers, value: envelope.data))
    }

    /// The record header that carries an envelope's sequence number beside its `data`.
    static let sequenceHeader = "auditshipper_sequence"

    /// The sequence number of an entry built by this publisher.
    static func sequence(of entry: SpoolEntry) -> Int64? {
        entry.record.header(sequenceHeader).flatMap { Int64($0) }
    }

    /// Publishes a drop notice for every range of drops not announced yet; the notices take the
    /// envelopes' path (Kafka, or the spool during an outage), keyed by the producer id.
    private func announceDrops() async {
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
    private func announceDropsPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            await announceDrops()
        }
    }

    /// Sends an entry to Kafka, or spools it while the publisher is spooling.
    private func publish(_ entry: SpoolEntry, exchangeID: String) async {
        do {
            if let stored = try await spool.appendIfSpooling(entry) {
                stored ? metrics.spooled.increment() : drop(exchangeID, sequence: Self.sequence(of: entry), .spoolFull, "spool at its size limit")
                return
            }
        } catch {
            drop(exchangeID, sequence: Self.sequence(of: entry), .spoolError, "\(error)")
            return
        }
        let start = ContinuousClock.now
        await send(entry, exchangeID: exchangeID, onDelivered: { [metrics] report in
            metrics.published.increment()
            metrics.deliveryLatency.recordElapsed(since: start)
            self.logDelivery(exchangeID, report)
        }, onFailed: { failure in
            self.logger.warning("Kafka did not take the envelope; spooling", metadata: ["exchange.id": "\(exchangeID)", "kafka.error": "\(failure.error)"])
            let reason: DropReason = failure.beforeQueueing ? .refused : .deliveryFailed
            if case .terminated = self.failedDeliveriesInput.yield(FailedDelivery(entry: entry, exchangeID: exchangeID, reason: reason)) {
                self.drop(exchangeID, sequence: Self.sequence(of: entry), reason, "the publisher had stopped spooling (\(failure.error))")
            }
        }, onDropped: {})
    }

    /// Hands the records of an entry to the producer; exactly one of the callbacks runs:
    /// `onDelivered` once every chunk is acknowledged, `onFailed` when Kafka did not take it
    /// (worth spooling and retrying), `onDropped` when it never can (too large; counted here).
    private func send(
        _ entry: SpoolEntry,
        exchangeID: String,
        onDelivered: @escaping @Sendable (KafkaDeliveryReport) -> Void,
        onFailed: @escaping @Sendable (SendFailure) -> Void,
        onDropped: @escaping @Sendable () -> Void
    ) async {
        let records = EnvelopeChunker.split(entry.record, id: exchangeID, messageMaxBytes: configuration.messageMaxBytes)
        inFlight.add(1, ordering: .relaxed)
        let delivery = EntryDelivery(chunks: records.count, onDelivered: { report in
            self.inFlight.subtract(1, ordering: .relaxed)
            onDelivered(report)
        }, onFailed: { [metrics] failure in
            self.inFlight.subtract(1, ordering: .relaxed)
            metrics.kafkaError(code: failure.error.rdKafkaErrorName ?? "\(failure.error.code)").increment()
            onFailed(failure)
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
                if error.code == .messageTooLarge {
                    inFlight.subtract(1, ordering: .relaxed)
                    drop(exchangeID, sequence: Self.sequence(of: entry), .tooLarge, "\(error)", kafkaError: error)
                    onDropped()
                    return
                }
                delivery.refused(error)
                return
            } catch {
                delivery.refused(KafkaError(.closed, reason: "\(error)"))
                return
            }
        }
    }

    /// Spools an entry (switching to spooling), counting it or its drop.
    private func store(_ entry: SpoolEntry, exchangeID: String) async {
        do {
            try await spool.append(entry) ? metrics.spooled.increment() : drop(exchangeID, sequence: Self.sequence(of: entry), .spoolFull, "spool at its size limit")
        } catch {
            drop(exchangeID, sequence: Self.sequence(of: entry), .spoolError, "\(error)")
        }
    }

    /// Spools, in the order they failed, the entries Kafka did not take; one that the spool
    /// cannot take either is dropped under the failure's reason (`refused`, `delivery_failed`).
    private func spoolFailedDeliveries() async {
        for await failure in failedDeliveries {
            do {
                if try await spool.append(failure.entry) {
                    metrics.spooled.increment()
                } else {
                    drop(failure.exchangeID, sequence: Self.sequence(of: failure.entry), failure.reason, "and the spool is at its size limit")
                }
            } catch {
                drop(failure.exchangeID, sequence: Self.sequence(of: failure.entry), failure.reason, "and the spool failed: \(error)")
            }
        }
    }

    /// A delivery receipt at debug level: where the broker said it stored the envelope (the last
    /// chunk's position for chunked ones), for tracing an exchange end to end.
    private func logDelivery(_ exchangeID: String, _ report: KafkaDeliveryReport) {
        logger.debug("envelope delivered", metadata: [
            "exchange.id": "\(exchangeID)",
            "kafka.partition": "\(report.partition)",
            "kafka.offset": "\(report.offset.map(String.init) ?? "none")",
        ])
    }

    /// Counts, logs and (for a numbered exchange) queues for a drop notice.
    private func drop(_ exchangeID: String, sequence: Int64?, _ reason: DropReason, _ detail: String, kafkaError: KafkaError? = nil) {
        metrics.dropped(reason: reason).increment()
        if let sequence { pendingDrops.withLock { $0.add(sequence, reason: reason) } }
        if let kafkaError { metrics.kafkaError(code: kafkaError.rdKafkaErrorName ?? "\(kafkaError.code)").increment() }
        dropLog.record(reason, exchangeID: exchangeID, detail: detail)
    }

    /// Replays spool segments in order while Kafka is reachable; deletes each once every entry
    /// in it is acknowledged.
    private func replaySpool() async {
        while !Task.isCancelled {
            // Envelopes sent before an outage and still in flight go before the spool's.
            guard isKafkaReachable, inFlight.load(ordering: .relaxed) == 0 else {
                try? await Task.sleep(for: .milliseconds(isKafkaReachable ? 100 : 500))
                continue
            }
            do {
                guard let replay = try await spool.nextReplay() else {
                    try? await Task.sleep(for: .milliseconds(200))
                    continue
                }
                if replay.damaged > 0 || replay.tornTail {
                    metrics.spoolDamaged.increment(by: Int64(replay.damaged))
                    logger.error("spool segment had damaged records; skipped them and replaying the rest", metadata: [
                        "segment": "\(replay.segment.path)", "damaged": "\(replay.damaged)", "torn.tail": "\(replay.tornTail)",
                    ])
                }
                let batch = ReplayBatch(count: replay.entries.count)
                for (index, entry) in replay.entries.enumerated() {
                    guard isKafkaReachable, !Task.isCancelled else {
                        batch.abandon(from: index)
                        break
                    }
                    let exchangeID = entry.record.header("ce_id") ?? "spooled"
                    await send(entry, exchangeID: exchangeID,
                               onDelivered: { report in
                                   batch.record(index, delivered: true)
                                   self.logDelivery(exchangeID, report)
                               },
                               onFailed: { _ in batch.record(index, delivered: false) },
                               // Counted as dropped: it is done with, and must not hold the segment.
                               onDropped: { batch.record(index, delivered: true) })
                }
                let (prefix, delivered) = await batch.wait()
                metrics.replayed.increment(by: Int64(delivered))
                if prefix == replay.entries.count {
                    try await spool.finished(replay.segment)
                    logger.info("replayed spool segment", metadata: ["segment": "\(replay.segment.path)", "entries": "\(replay.entries.count)"])
                } else {
                    try await spool.acknowledged(replay.segment, count: replay.alreadyAcknowledged + prefix)
                    try? await Task.sleep(for: .seconds(1))
                }
            } catch {
                logger.error("spool replay failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Fsyncs the spool at its sync interval.
    private func syncSpool() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.spool.syncInterval)
            do {
                try await spool.syncIfDue()
            } catch {
                logger.error("spool fsync failed", metadata: ["error": "\(error)"])
            }
            spoolHasRoom.store(await spool.hasRoom(), ordering: .relaxed)
        }
    }

    /// Checks every few seconds that a broker answers.
    private func watchKafka() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(isKafkaReachable ? 5 : 1))
            await checkKafka()
        }
    }

    /// Asks a broker for metadata; while none answers, new envelopes spool.
    private func checkKafka() async {
        // A fatally failed producer cannot send again: treat Kafka as unreachable so envelopes spool.
        let answered = (try? await producer.metadata(allTopics: false, timeout: .seconds(2))) != nil
        let isReachable = answered && producer.fatalError == nil
        let wasReachable = reachable.exchange(isReachable, ordering: .relaxed)
        let isFirstCheck = !hasCheckedKafka.exchange(true, ordering: .relaxed)
        if !isReachable { await spool.startSpooling() }
        if isFirstCheck || wasReachable != isReachable {
            logger.log(level: isReachable ? .info : .warning, "Kafka \(isReachable ? "reachable" : "unreachable; spooling envelopes to disk")")
        }
        metrics.kafkaReachable.record(isReachable ? 1 : 0)
    }
}

extension Timer {
    fileprivate func recordElapsed(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
