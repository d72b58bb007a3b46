import AuditEnvelope
import Kafka
import Logging
import NIOCore

/// Publishes a checkpoint for each durable segment to the witness topic (idempotent producer,
/// `acks=all`). Publishing never holds archiving up: a failed delivery is logged and reported
/// through `onFailure`, and the partition's newest checkpoint is published again whenever the
/// partition is opened, so a crash between a segment and its checkpoint heals on restart.
public final class WitnessPublisher: Sendable {
    /// The witness topic.
    public let topic: String
    private let producer: KafkaProducer
    private let root: String
    private let logger: Logger
    private let onFailure: @Sendable () -> Void

    /// Creates a publisher.
    /// - Parameters:
    ///   - configuration: The producer settings; `acks` and idempotence are forced on.
    ///   - root: The archive root, which checkpoint paths are relative to.
    ///   - onFailure: Called once per checkpoint that could not be delivered.
    /// - Throws: ``KafkaError`` when librdkafka refuses the configuration.
    public init(
        topic: String,
        configuration: KafkaProducerConfiguration,
        root: String,
        logger: Logger,
        onFailure: @escaping @Sendable () -> Void
    ) throws(KafkaError) {
        var configuration = configuration
        configuration.acks = .all
        configuration.idempotence = true
        self.topic = topic
        self.producer = try KafkaProducer(configuration: configuration, logger: logger)
        self.root = ArchiveLayout(root: root).root
        self.logger = logger
        self.onFailure = onFailure
    }

    /// Publishes the checkpoint of a manifest at `manifestPath`.
    public func publish(_ manifest: SegmentManifest, sha256: String, manifestPath: String) async {
        let relative = manifestPath.hasPrefix(root + "/") ? String(manifestPath.dropFirst(root.count + 1)) : manifestPath
        let checkpoint = WitnessCheckpoint(manifest: manifest, sha256: sha256, manifestPath: relative, createdAt: RFC3339.format(microseconds: WallClock.microseconds()))
        let message = KafkaProducerMessage(topic: topic, key: ByteBuffer(string: checkpoint.key), value: checkpoint.encoded())
        let logger = self.logger
        let onFailure = self.onFailure
        do {
            try await producer.enqueue(message) { result in
                guard case .failure(let error) = result else { return }
                onFailure()
                logger.error("checkpoint not delivered to the witness topic; it is published again when the partition is next opened", metadata: [
                    "manifest": "\(relative)", "error": "\(error)",
                ])
            }
        } catch {
            onFailure()
            logger.error("checkpoint refused by the producer", metadata: ["manifest": "\(relative)", "error": "\(error)"])
        }
    }

    /// Waits for outstanding checkpoints (up to `timeout`) and closes the producer.
    public func close(timeout: Duration = .seconds(10)) async {
        do {
            try await producer.flush(timeout: timeout)
        } catch {
            logger.warning("checkpoints still undelivered at shutdown", metadata: ["error": "\(error)"])
        }
        await producer.close(timeout: timeout)
    }
}
