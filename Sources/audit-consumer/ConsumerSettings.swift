import AuditArchive
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
    var logLevel: Logger.Level

    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    init(options: ConsumerOptions, environment: [String: String]) throws {
        let reader = SettingReader(environment: environment)
        (adminHost, adminPort) = try reader.address(options.adminListen, flag: "admin-listen", env: "AUDIT_ADMIN_LISTEN", default: "0.0.0.0:9091")
        topic = reader.value(options.kafkaTopic, flag: "kafka-topic", env: "AUDIT_KAFKA_TOPIC")?.value ?? "audit.http.exchanges"
        if let invalid = topic.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0))) }) {
            throw ConfigurationError("--kafka-topic / AUDIT_KAFKA_TOPIC", "'\(topic)' has '\(invalid)'; Kafka topics use letters, digits, '.', '_' and '-'")
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
        archive.rotation.maxBytes = try reader.bytes(options.segmentMaxBytes, flag: "segment-max-bytes", env: "AUDIT_SEGMENT_MAX_BYTES", default: archive.rotation.maxBytes)
        archive.rotation.maxRecords = try reader.count(options.segmentMaxRecords, flag: "segment-max-records", env: "AUDIT_SEGMENT_MAX_RECORDS", default: archive.rotation.maxRecords)
        archive.rotation.eventTimeInterval = try reader.seconds(options.segmentInterval, flag: "segment-interval", env: "AUDIT_SEGMENT_INTERVAL", default: archive.rotation.eventTimeInterval)
        if archive.rotation.eventTimeInterval < .seconds(1) {
            throw ConfigurationError("--segment-interval / AUDIT_SEGMENT_INTERVAL", "must be at least 1 second")
        }
        archive.rotation.maxOpenDuration = try reader.seconds(options.segmentMaxOpen, flag: "segment-max-open", env: "AUDIT_SEGMENT_MAX_OPEN", default: archive.rotation.maxOpenDuration)
        archive.chunkTimeout = try reader.seconds(options.chunkTimeout, flag: "chunk-timeout", env: "AUDIT_CHUNK_TIMEOUT", default: archive.chunkTimeout)
        let level = try reader.count(options.gzipLevel, flag: "gzip-level", env: "AUDIT_GZIP_LEVEL", default: Int(archive.compressionLevel))
        guard (1...9).contains(level) else {
            throw ConfigurationError("--gzip-level / AUDIT_GZIP_LEVEL", "\(level) is not between 1 and 9")
        }
        archive.compressionLevel = Int32(level)
        archive.writer = "audit-consumer \(AuditConsumer.version)"
        logLevel = try reader.logLevel(options.logLevel)
    }
}
