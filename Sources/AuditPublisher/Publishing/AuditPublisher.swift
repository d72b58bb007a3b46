import AuditCapture
import AuditEnvelope
import Dispatch
import HTTPTypes
import Kafka
import Logging
import ServiceLifecycle
import Synchronization

/// Bridges captured exchanges to Kafka without losing them.
///
/// - A queue bounded in bytes takes exchanges from the request path without waiting; when it is
///   full the ``OverflowPolicy`` applies (spool, drop or block). An overflow spills the exchange
///   to the spool as captured (``SpooledExchange``), its envelope built on replay. With
///   ``Durability/disk`` every exchange goes through the spool instead, before its response ends.
/// - Envelopes are built (redaction, encoding) off the response path, several at once
///   (``PublisherConfiguration/buildThreads``) and handed on in arrival order, and split into
///   chunks when larger than the Kafka message limit.
/// - While Kafka is unreachable, when a delivery fails, or after an overflow, envelopes go to a
///   checksummed disk spool; once Kafka answers again the spool is replayed in order and deleted,
///   and envelopes go straight to Kafka again. Order is kept: nothing is sent directly while
///   older envelopes wait in the spool. The decisions live in ``PublisherStateMachine``.
/// - Every exchange is numbered (``producerID``, a sequence) as its response starts
///   (``reserveReceipt()``), or when it is taken if it had no response; every one that reaches
///   neither Kafka nor the spool is counted under `auditshipper_exchanges_dropped_total{reason}`,
///   logged (rate-limited) and announced on the topic by a drop notice.
///
/// Run it in a `ServiceGroup`. On graceful shutdown it stops taking exchanges, publishes what is
/// queued, replays the spool while Kafka answers, waits up to
/// ``PublisherConfiguration/drainTimeout`` in all for acknowledgements and spools the rest; a
/// restart replays the spool.
public final class AuditPublisher: Service, ExchangeSink {
    let configuration: PublisherConfiguration
    let producer: KafkaProducer
    let builder: EnvelopeBuilder
    /// Where queued exchanges' envelopes are built, at a lower priority than requests.
    let envelopeThreads: EnvelopeThreads
    let queue: ExchangeQueue
    /// With ``Durability/disk``: the bytes of exchanges on their way to the spool, bounded by
    /// ``PublisherConfiguration/queueMaxBytes``.
    let durableAdmission: ByteAdmission
    let orderGate = OrderGate()
    let spool: Spool
    let sequence: ProducerSequence
    let keyField: HTTPField.Name?
    let logger: Logger
    let metrics = PublisherMetrics()
    let dropLog: RateLimitedDropLog
    /// Where envelopes go, replay and send outcomes: events in, actions out.
    let machine: Mutex<PublisherStateMachine>
    /// Drops waiting to be announced on the topic by a drop notice.
    let pendingDrops = Mutex(PendingDrops())
    /// Where envelopes are built with ``Durability/disk``, while their responses wait.
    let durableQueue = DispatchQueue(label: "auditshipper.durable-envelopes", qos: .userInitiated, attributes: .concurrent)
    /// Entries whose delivery failed, posted by librdkafka's delivery-report thread (which must
    /// never block) and spooled in order by ``spoolFailedDeliveries()``.
    let failedDeliveries: AsyncStream<FailedDelivery>
    let failedDeliveriesInput: AsyncStream<FailedDelivery>.Continuation

    /// Creates a publisher and opens its spool.
    /// - Parameters:
    ///   - configuration: Topic, key, queue, overflow, durability, spool, redaction and event
    ///     source settings.
    ///   - producer: The Kafka producer; the publisher closes it when it stops.
    ///   - logger: For drops, spool and Kafka state changes.
    /// - Throws: When the spool directory cannot be created or read.
    public init(configuration: PublisherConfiguration, producer: KafkaProducer, logger: Logger) throws {
        self.configuration = configuration
        self.producer = producer
        self.builder = EnvelopeBuilder(configuration: configuration, pool: EnvelopeBufferPool())
        self.envelopeThreads = EnvelopeThreads(count: configuration.buildThreads)
        self.queue = ExchangeQueue(maxBytes: configuration.queueMaxBytes)
        self.durableAdmission = ByteAdmission(limit: configuration.queueMaxBytes)
        self.spool = try Spool(configuration: configuration.spool)
        self.sequence = try ProducerSequence(directory: configuration.spool.directory)
        self.machine = Mutex(PublisherStateMachine(durability: configuration.durability, spoolIsEmpty: spool.wasEmptyAtStart))
        self.keyField = configuration.keyHeader.flatMap { HTTPField.Name($0) }
        self.logger = logger
        self.dropLog = RateLimitedDropLog(logger: logger)
        (failedDeliveries, failedDeliveriesInput) = AsyncStream.makeStream(of: FailedDelivery.self)
    }

    /// This publisher's id in envelopes (`producer`), kept in the spool directory.
    public var producerID: String { sequence.producerID }

    /// Whether the last periodic check reached a Kafka broker.
    public var isKafkaReachable: Bool { machine.withLock { $0.isReachable } }

    /// Why the publisher cannot recover by itself, if it cannot: the Kafka producer failed
    /// fatally (for example a broker that lost its idempotent-producer state). Envelopes keep
    /// going to the spool; a restart replays them with a new producer.
    public var fatalFailure: String? { producer.fatalError.map { "\($0)" } }

    /// Whether envelopes can be kept: Kafka is reachable or the spool has room.
    public var isReady: Bool { machine.withLock { $0.isReachable || $0.spoolHasRoom } }

    /// With ``Durability/disk``: the capture middleware hands over each exchange before the
    /// last chunk of its response is written, and ``submit(_:)`` returns once it is in the spool.
    public var recordsBeforeResponseEnds: Bool { configuration.durability == .disk }

    /// Numbers an exchange whose response is starting: the next number of this producer's
    /// sequence, persisted like the ones ``submit(_:)`` gives.
    public func reserveReceipt() -> ExchangeReceipt? {
        ExchangeReceipt(producer: sequence.producerID, sequence: sequence.next())
    }

    /// Takes a finished exchange. With ``Durability/memory`` it is queued without waiting; when
    /// the queue is full the overflow policy applies (spooling or blocking wait here). With
    /// ``Durability/disk`` its envelope is built and appended to the spool before this returns,
    /// after waiting for room under ``PublisherConfiguration/queueMaxBytes`` (``ByteAdmission``).
    public func submit(_ exchange: CapturedExchange) async {
        metrics.captured.increment()
        var exchange = exchange
        exchange.sequence = exchange.sequence ?? sequence.next()
        if configuration.durability == .disk {
            // The captured bodies and the envelope built from them (base64 can add a third).
            let footprint = exchange.retainedBytes * 7 / 3
            await durableAdmission.admit(footprint)
            metrics.queueBytes.record(durableAdmission.usedBytes)
            await store(await durableEntry(for: exchange), exchangeID: exchange.exchangeID)
            durableAdmission.release(footprint)
            metrics.queueBytes.record(durableAdmission.usedBytes)
            return
        }
        defer { metrics.queueBytes.record(queue.queuedBytes) }
        switch configuration.overflowPolicy {
        case .block:
            if queue.offer(exchange) { return }
            if await !queue.offerWaiting(exchange) { await spillInOrder(after: exchange, endingOverflow: false) }
        case .drop:
            if queue.offer(exchange) { return }
            drop(exchange.exchangeID, sequence: exchange.sequence, .queueFull, "queue holds \(queue.queuedBytes) of \(queue.maxBytes) bytes")
        default:
            guard keyField != nil else {
                // Keys are unique (the exchange id): no order to keep, so only this one spills.
                if queue.offer(exchange) { return }
                await spill(exchange)
                return
            }
            if queue.offer(exchange, startingOverflow: true) { return }
            await spillInOrder(after: exchange, endingOverflow: true)
        }
    }

    /// Spills the exchanges still queued, oldest first, and then `exchange`, under the order gate
    /// (first come, first served): an overflowing exchange never reaches the spool before older
    /// ones of its key, and while it waits newer ones overflow behind it instead of entering the
    /// queue. The gate also waits for the envelopes the publishing loop is building.
    private func spillInOrder(after exchange: CapturedExchange, endingOverflow: Bool) async {
        await orderGate.withGate {
            for queued in queue.takeAll() { await spill(queued) }
            await spill(exchange)
            if endingOverflow { queue.endOverflow() }
        }
    }

    public func run() async throws {
        // Until the first check answers, exchanges wait in the queue: sending them to a broker
        // that turns out to be down would leave them in librdkafka, ahead of later ones that spool.
        await checkKafka()
        let failureSpooler = Task { await self.spoolFailedDeliveries() }
        var drainDeadline = ContinuousClock.now + configuration.drainTimeout
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await self.watchKafka() }
            background.addTask { await self.replaySpool() }
            background.addTask { await self.syncSpool() }
            background.addTask { await self.announceDropsPeriodically() }
            background.addTask { await self.announceMarksPeriodically() }
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    await publishQueued()
                } onCancel: {
                    queue.finish()
                }
            } onGracefulShutdown: {
                self.queue.finish()
            }
            drainDeadline = ContinuousClock.now + configuration.drainTimeout
            machine.withLock { $0.shutdownStarted() }
            await announceDrops()
            await announceMark()
            await waitUntilDrained(before: drainDeadline)
            background.cancelAll()
        }
        await close(before: drainDeadline, failureSpooler: failureSpooler)
    }

    /// Publishes queued exchanges in order until the queue is finished and empty, building up to
    /// ``PublisherConfiguration/buildThreads`` envelopes at once.
    private func publishQueued() async {
        let builds = OrderedBuilds<CapturedExchange, SpoolEntry>(width: configuration.buildThreads)
        while await queue.waitForItem() {
            // Taken under the gate: an overflow may have spooled them meanwhile. An overflow
            // waiting for the gate stops the taking; the envelopes being built go out first.
            await orderGate.withGate {
                await builds.run(next: { () -> CapturedExchange? in
                    guard orderGate.waiting == 0, let exchange = queue.take() else { return nil }
                    metrics.queueBytes.record(queue.queuedBytes)
                    return exchange
                }, build: { exchange in
                    await self.entry(for: exchange)
                }, deliver: { exchange, entry in
                    await self.publish(entry, exchangeID: exchange.exchangeID)
                })
            }
        }
    }

    /// Waits while the spool replays and sends are in flight, until nothing is left, Kafka is
    /// unreachable or `deadline` passes.
    private func waitUntilDrained(before deadline: ContinuousClock.Instant) async {
        while ContinuousClock.now < deadline, !machine.withLock({ $0.isDrained }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Flushes the producer until `deadline`, closes it, spools what it gave back, closes the spool.
    private func close(before deadline: ContinuousClock.Instant, failureSpooler: Task<Void, Never>) async {
        do {
            try await producer.flush(timeout: max(.milliseconds(100), deadline - ContinuousClock.now))
            logger.info("audit publisher drained: every envelope was acknowledged or spooled")
        } catch {
            logger.warning("audit publisher: drain deadline passed; spooling unacknowledged envelopes", metadata: ["kafka.error": "\(error)"])
        }
        machine.withLock { $0.producerClosed() }
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
}
