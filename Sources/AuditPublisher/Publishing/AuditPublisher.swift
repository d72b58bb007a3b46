import AuditCapture
import AuditEnvelope
import HTTPTypes
import Kafka
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Synchronization

/// Bridges captured exchanges to Kafka: a byte-bounded hand-off from the request path, envelope
/// building (redaction, encoding) off that path, and publishing through an idempotent producer.
///
/// Nothing is dropped silently: every exchange that does not reach Kafka is counted under
/// `auditshipper_exchanges_dropped_total{reason}` and logged (rate-limited).
/// Run it in a `ServiceGroup`; on graceful shutdown it stops taking exchanges, publishes what is
/// queued and waits up to ``PublisherConfiguration/drainTimeout`` for acknowledgements.
public final class AuditPublisher: Service, ExchangeSink {
    private let configuration: PublisherConfiguration
    private let producer: KafkaProducer
    private let builder: EnvelopeBuilder
    private let queue: ExchangeQueue
    private let keyField: HTTPField.Name?
    private let logger: Logger
    private let metrics = PublisherMetrics()
    private let dropLog: RateLimitedDropLog
    private let reachable = Atomic<Bool>(false)

    /// Creates a publisher.
    /// - Parameters:
    ///   - configuration: Topic, key and queue settings.
    ///   - producer: The Kafka producer; the publisher closes it when it stops.
    ///   - envelopeBuilder: Builds (and redacts) envelopes.
    ///   - logger: For drops and Kafka state changes.
    public init(configuration: PublisherConfiguration, producer: KafkaProducer, envelopeBuilder: EnvelopeBuilder, logger: Logger) {
        self.configuration = configuration
        self.producer = producer
        self.builder = envelopeBuilder
        self.queue = ExchangeQueue(maxBytes: configuration.queueMaxBytes)
        self.keyField = configuration.keyHeader.flatMap { HTTPField.Name($0) }
        self.logger = logger
        self.dropLog = RateLimitedDropLog(logger: logger)
    }

    /// Whether the last periodic check reached a Kafka broker.
    public var isKafkaReachable: Bool { reachable.load(ordering: .relaxed) }

    /// Queues a finished exchange; never waits. When the queue is full the exchange is dropped
    /// and counted (reason `queue_full`).
    public func submit(_ exchange: CapturedExchange) {
        metrics.captured.increment()
        if !queue.offer(exchange) {
            drop(exchange.exchangeID, .queueFull, "queue holds \(queue.queuedBytes) of \(queue.maxBytes) bytes")
        }
        metrics.queueBytes.record(queue.queuedBytes)
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchKafka() }
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    while let exchange = await queue.next() {
                        metrics.queueBytes.record(queue.queuedBytes)
                        await publish(exchange)
                    }
                } onCancel: {
                    queue.finish()
                }
            } onGracefulShutdown: {
                self.queue.finish()
            }
            group.cancelAll()
        }
        do {
            try await producer.flush(timeout: configuration.drainTimeout)
            logger.info("audit publisher drained: every queued envelope was acknowledged")
        } catch {
            logger.error("audit publisher stopping with unacknowledged envelopes", metadata: ["kafka.error": "\(error)"])
        }
        await producer.close(timeout: .milliseconds(100))
    }

    private func publish(_ exchange: CapturedExchange) async {
        let envelope = builder.envelope(for: exchange)
        let key = keyField.flatMap { exchange.requestHeaders[$0] } ?? exchange.exchangeID
        let message = KafkaProducerMessage(
            topic: configuration.topic,
            key: ByteBuffer(string: key),
            value: envelope.data,
            headers: KafkaBinaryCodec.headers(for: envelope).map { KafkaHeader(key: $0.name, string: $0.value) }
        )
        let start = ContinuousClock.now
        let exchangeID = exchange.exchangeID
        do {
            try await producer.enqueue(message) { [metrics] result in
                switch result {
                case .success:
                    metrics.published.increment()
                    metrics.deliveryLatency.recordElapsed(since: start)
                case .failure(let error):
                    self.drop(exchangeID, error.code == .closed ? .shutdown : .deliveryFailed, "\(error)", kafkaError: error)
                }
            }
        } catch let error as KafkaError {
            drop(exchangeID, error.code == .messageTooLarge ? .tooLarge : .refused, "\(error)", kafkaError: error)
        } catch {
            drop(exchangeID, .shutdown, "\(error)")
        }
    }

    private func drop(_ exchangeID: String, _ reason: DropReason, _ detail: String, kafkaError: KafkaError? = nil) {
        metrics.dropped(reason: reason).increment()
        if let kafkaError { metrics.kafkaError(code: kafkaError.rdKafkaErrorName ?? "\(kafkaError.code)").increment() }
        dropLog.record(reason, exchangeID: exchangeID, detail: detail)
    }

    /// Checks every few seconds that a broker answers, for readiness and the reachability gauge.
    private func watchKafka() async {
        while !Task.isCancelled {
            let isReachable = (try? await producer.metadata(allTopics: false, timeout: .seconds(2))) != nil
            if reachable.exchange(isReachable, ordering: .relaxed) != isReachable {
                logger.log(level: isReachable ? .info : .warning, "Kafka \(isReachable ? "reachable" : "unreachable")")
            }
            metrics.kafkaReachable.record(isReachable ? 1 : 0)
            try? await Task.sleep(for: .seconds(5))
        }
    }
}

extension Timer {
    fileprivate func recordElapsed(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
