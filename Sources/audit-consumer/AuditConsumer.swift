import ArgumentParser
import AuditArchive
import AuditService
import Foundation
import Kafka
import Logging
import Metrics
import ServiceLifecycle

/// `audit-consumer`: archives the envelopes of a Kafka topic into verifiable segments.
@main
struct AuditConsumer: AsyncParsableCommand {
    /// Written into manifests.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "audit-consumer",
        abstract: "Archives AuditShipper envelopes from Kafka into durable, verifiable segments, exactly once.",
        discussion: """
            Joins a consumer group on the topic and writes each partition's envelopes into gzip
            JSON-lines segments with a manifest (offsets, count, time range, SHA-256, and a hash
            chain per partition) under --archive-dir:
              <dir>/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<startOffset>.jsonl.gz
            A segment is fsynced and renamed into place before its offsets are committed; on
            assignment a partition resumes from the archive's own newest manifest. Records that
            are not envelopes, oversize or inconsistent go to a dead-letter file beside the
            segment; no record stops a partition. One writer per partition: a second writer on
            the same directory is refused that partition (flock) until the first is gone.
            With --signing-key every manifest is signed (Ed25519); with --checkpoint-topic a
            checkpoint of each durable segment goes to that witness topic.

            Every flag can be set by the environment variable named in its help; flags win.
            Invalid configuration prints the bad setting and exits with status 2.
            SIGTERM closes the open segments, commits and exits 0.
            """
    )

    @OptionGroup var options: ConsumerOptions

    /// Parses arguments itself so that bad configuration exits with status 2, not 64.
    static func main() async {
        await ServiceCommand.main(Self.self, name: "audit-consumer")
    }

    func run() async throws {
        let settings = try ConsumerSettings(options: options, environment: ProcessInfo.processInfo.environment)
        let logger = {
            var logger = Logger(label: "audit-consumer")
            logger.logLevel = settings.logLevel
            return logger
        }()
        let registry = AdminListener.bootstrapMetrics()

        let consumer = try KafkaConsumer(configuration: settings.kafka, logger: logger)
        let status = WorkerStatus()
        let checkpointFailures = Counter(label: "auditshipper_archive_checkpoint_failures_total")
        let witness = try settings.checkpointTopic.map { topic in
            try WitnessPublisher(topic: topic, configuration: settings.checkpointProducer, root: settings.archive.root, logger: logger) {
                checkpointFailures.increment()
            }
        }
        let worker = ArchiveWorker(
            consumer: consumer,
            topic: settings.topic,
            configuration: settings.archive,
            chunkBudget: settings.chunkBudget,
            witness: witness,
            status: status,
            logger: logger
        )
        let adminApp = AdminListener.application(
            host: settings.adminHost,
            port: settings.adminPort,
            health: { AdminStatus(passes: status.health.passes, message: status.health.message) },
            readiness: { AdminStatus(passes: status.readiness.passes, message: status.readiness.message) },
            registry: registry,
            logger: logger
        )
        logger.info("archiving", metadata: [
            "kafka.brokers": "\(settings.kafka.bootstrapServers.joined(separator: ","))",
            "kafka.topic": "\(settings.topic)",
            "kafka.group": "\(settings.kafka.groupID)",
            "archive.dir": "\(settings.archive.root)",
            "segment.maxBytes": "\(settings.archive.rotation.maxBytes)",
            "segment.maxRecords": "\(settings.archive.rotation.maxRecords)",
            "segment.interval": "\(settings.archive.rotation.eventTimeInterval)",
            "segment.maxOpen": "\(settings.archive.rotation.maxOpenDuration)",
            "envelope.maxBytes": "\(settings.archive.maxEnvelopeBytes)",
            "signing.keyID": "\(settings.archive.signingKey?.keyID ?? "none (manifests unsigned)")",
            "witness.topic": "\(settings.checkpointTopic ?? "none")",
        ])
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: adminApp), .init(service: worker)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        logger.info("audit-consumer stopped")
    }
}
