import AuditArchive
import AuditEnvelope
import Foundation
import AuditService
import Kafka
import Logging

/// Everything `audit-consumer` needs, resolved from flags and environment variables and validated
/// before it joins the group.
struct ConsumerSettings {
    var adminHost: String
    var adminPort: Int
    var topic: String
    var kafka: KafkaConsumerConfiguration
    var archive: ArchiveConfiguration
    var chunkBudget: ChunkMemoryBudget
    /// The witness topic, when checkpoints are published.
    var checkpointTopic: String?
    /// Producer settings for the witness topic (same brokers and properties as the consumer).
    var checkpointProducer: KafkaProducerConfiguration
    var logLevel: Logger.Level

    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    init(options: ConsumerOptions, environment: [String: String]) throws {
        let reader = SettingReader(environment: environment)
        (adminHost, adminPort) = try reader.address(options.adminListen, flag: "admin-listen", env: "AUDIT_ADMIN_LISTEN", default: "0.0.0.0:9091")
        topic = reader.value(options.kafkaTopic, flag: "kafka-topic", env: "AUDIT_KAFKA_TOPIC")?.value ?? "audit.http.exchanges"
        if let problem = ArchiveLayout.topicNameProblem(topic) {
            throw ConfigurationError("--kafka-topic / AUDIT_KAFKA_TOPIC", problem)
        }

        let group = reader.value(options.consumerGroup, flag: "consumer-group", env: "AUDIT_CONSUMER_GROUP")?.value ?? "audit-archiver"
        kafka = KafkaConsumerConfiguration(groupID: group)
        kafka.clientID = "audit-consumer"
        kafka.bootstrapServers = reader.kafkaBrokers(options.kafkaBrokers) ?? kafka.bootstrapServers
        // Chunked envelopes arrive as records up to the producer's message.max.bytes.
        kafka.maxPartitionFetchBytes = 4 * 1024 * 1024
        // A topic created after the consumer subscribed is noticed within this interval
        // (librdkafka's default is 5 minutes).
        kafka.additionalProperties = ["topic.metadata.refresh.interval.ms": "10000"]
            .merging(try reader.kafkaProperties(options.kafkaProperty)) { _, configured in configured }

        let root = reader.value(options.archiveDir, flag: "archive-dir", env: "AUDIT_ARCHIVE_DIR")?.value ?? "audit-archive"
        archive = ArchiveConfiguration(root: root)
        if S3Location.isObjectStore(root) {
            archive.objectStore = try Self.objectStore(root, options: options, reader: reader, environment: environment)
        }
        archive.rotation.maxBytes = try reader.bytes(options.segmentMaxBytes, flag: "segment-max-bytes", env: "AUDIT_SEGMENT_MAX_BYTES", default: archive.rotation.maxBytes)
        archive.rotation.maxRecords = try reader.count(options.segmentMaxRecords, flag: "segment-max-records", env: "AUDIT_SEGMENT_MAX_RECORDS", default: archive.rotation.maxRecords)
        archive.rotation.eventTimeInterval = try reader.seconds(options.segmentInterval, flag: "segment-interval", env: "AUDIT_SEGMENT_INTERVAL", default: archive.rotation.eventTimeInterval)
        let interval = archive.rotation.eventTimeInterval.components.seconds
        guard archive.rotation.eventTimeInterval >= .seconds(1), interval <= 3600, 3600 % interval == 0,
            archive.rotation.eventTimeInterval.components.attoseconds == 0
        else {
            throw ConfigurationError("--segment-interval / AUDIT_SEGMENT_INTERVAL", "must be whole seconds dividing an hour (1 to 3600: 60, 300, 600, 3600, ...), so a segment stays in one hour=directory")
        }
        archive.rotation.maxOpenDuration = try reader.seconds(options.segmentMaxOpen, flag: "segment-max-open", env: "AUDIT_SEGMENT_MAX_OPEN", default: archive.rotation.maxOpenDuration)
        archive.chunkTimeout = try reader.seconds(options.chunkTimeout, flag: "chunk-timeout", env: "AUDIT_CHUNK_TIMEOUT", default: archive.chunkTimeout)
        let level = try reader.count(options.gzipLevel, flag: "gzip-level", env: "AUDIT_GZIP_LEVEL", default: Int(archive.compressionLevel))
        guard (1...9).contains(level) else {
            throw ConfigurationError("--gzip-level / AUDIT_GZIP_LEVEL", "\(level) is not between 1 and 9")
        }
        archive.compressionLevel = Int32(level)
        archive.writer = "audit-consumer \(AuditConsumer.version)"
        archive.maxEnvelopeBytes = try reader.bytes(options.maxEnvelopeBytes, flag: "max-envelope-bytes", env: "AUDIT_MAX_ENVELOPE_BYTES", default: archive.maxEnvelopeBytes)
        let pendingBytes = try reader.bytes(options.maxPendingChunkBytes, flag: "max-pending-chunk-bytes", env: "AUDIT_MAX_PENDING_CHUNK_BYTES", default: 256 * 1024 * 1024)
        let pendingSets = try reader.count(options.maxPendingChunkSets, flag: "max-pending-chunk-sets", env: "AUDIT_MAX_PENDING_CHUNK_SETS", default: 1024)
        guard archive.maxEnvelopeBytes >= 1024 else {
            throw ConfigurationError("--max-envelope-bytes / AUDIT_MAX_ENVELOPE_BYTES", "must be at least 1KiB")
        }
        guard pendingBytes >= archive.maxEnvelopeBytes else {
            throw ConfigurationError("--max-pending-chunk-bytes / AUDIT_MAX_PENDING_CHUNK_BYTES", "\(pendingBytes) bytes cannot hold one envelope of --max-envelope-bytes (\(archive.maxEnvelopeBytes))")
        }
        guard pendingSets >= 1 else {
            throw ConfigurationError("--max-pending-chunk-sets / AUDIT_MAX_PENDING_CHUNK_SETS", "must be at least 1")
        }
        chunkBudget = ChunkMemoryBudget(maxBytes: pendingBytes, maxSets: pendingSets)
        if let (path, key) = reader.value(options.signingKey, flag: "signing-key", env: "AUDIT_SIGNING_KEY") {
            archive.signingKey = try Self.signingKey(at: path, key: key)
        }
        let previousKeys = reader.list(options.previousPublicKey, env: "AUDIT_PREVIOUS_PUBLIC_KEYS", separator: ",")
        archive.adoptsUnsignedHead = options.adoptUnsignedHead || environment["AUDIT_ADOPT_UNSIGNED_HEAD"] == "true"
        if archive.signingKey == nil, !previousKeys.isEmpty || archive.adoptsUnsignedHead {
            throw ConfigurationError("--previous-public-key / --adopt-unsigned-head", "only apply with --signing-key: without one, heads are checked by name only")
        }
        archive.previousPublicKeys = try previousKeys.map { path throws(ConfigurationError) in
            do throws(ArchiveError) {
                return try ManifestPublicKey(contentsOfFile: path)
            } catch {
                throw ConfigurationError("--previous-public-key / AUDIT_PREVIOUS_PUBLIC_KEYS", error.reason)
            }
        }
        checkpointTopic = reader.value(options.checkpointTopic, flag: "checkpoint-topic", env: "AUDIT_CHECKPOINT_TOPIC")?.value
        if let checkpointTopic, checkpointTopic == topic {
            throw ConfigurationError("--checkpoint-topic / AUDIT_CHECKPOINT_TOPIC", "must differ from the archived topic \(topic)")
        }
        checkpointProducer = KafkaProducerConfiguration()
        checkpointProducer.clientID = "audit-consumer-witness"
        checkpointProducer.bootstrapServers = kafka.bootstrapServers
        // The connection settings only: the other properties are the consumer's.
        checkpointProducer.additionalProperties = try reader.kafkaProperties(options.kafkaProperty).filter { name, _ in
            Self.connectionPropertyPrefixes.contains { name.hasPrefix($0) }
        }
        logLevel = try reader.logLevel(options.logLevel)
    }

    /// The `--kafka-property` names the witness producer shares with the consumer.
    static let connectionPropertyPrefixes = ["security.", "sasl.", "ssl.", "socket.", "broker.", "client.", "metadata.", "reconnect.", "connections."]

    /// The bucket behind an `s3://` root, its client and staging directory.
    private static func objectStore(_ root: String, options: ConsumerOptions, reader: SettingReader, environment: [String: String]) throws -> ObjectStoreRoot {
        let addressing = try reader.value(options.s3Addressing, flag: "s3-addressing", env: "AUDIT_S3_ADDRESSING").map { value, key throws(ConfigurationError) in
            guard let addressing = S3Configuration.Addressing(rawValue: value) else {
                throw ConfigurationError(key, "'\(value)' is neither path nor virtual")
            }
            return addressing
        }
        let location: S3Location
        let configuration: S3Configuration
        do throws(ArchiveError) {
            location = try S3Location(root)
            configuration = try S3Configuration(location: location, environment: environment, endpoint: options.s3Endpoint, addressing: addressing)
        } catch {
            throw ConfigurationError("--archive-dir / AUDIT_ARCHIVE_DIR", error.reason)
        }
        let staging = reader.value(options.stagingDir, flag: "staging-dir", env: "AUDIT_STAGING_DIR")?.value
            ?? "\(environment["TMPDIR"] ?? "/tmp")/auditshipper-staging"
        var objectStore = ObjectStoreRoot(location: location, client: S3Client(configuration: configuration), stagingDirectory: staging)
        objectStore.orphanGrace = try reader.seconds(options.s3OrphanGrace, flag: "s3-orphan-grace", env: "AUDIT_S3_ORPHAN_GRACE", default: objectStore.orphanGrace)
        return objectStore
    }

    /// Reads the signing key file.
    private static func signingKey(at path: String, key: String) throws(ConfigurationError) -> ManifestSigningKey {
        do throws(ArchiveError) {
            return try ManifestSigningKey(contentsOfFile: path)
        } catch {
            throw ConfigurationError(key, "\(error.reason); make a key with `audit-archive keygen`")
        }
    }
}
