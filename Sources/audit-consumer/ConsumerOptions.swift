import ArgumentParser

/// The command-line flags of `audit-consumer`. Every flag has an environment variable (shown in
/// its help) for Kubernetes; a flag wins over its variable.
struct ConsumerOptions: ParsableArguments {
    @Option(name: .long, help: "Archive root: a directory, or s3://BUCKET/PREFIX (credentials and region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION). Env: AUDIT_ARCHIVE_DIR. Default: audit-archive.")
    var archiveDir: String?

    @Option(name: .long, help: "S3 endpoint for an s3:// root, http(s)://host[:port] (MinIO, Ceph, moto). Env: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL. Default: AWS's regional endpoint.")
    var s3Endpoint: String?

    @Option(name: .long, help: "How S3 requests name the bucket: path (endpoint/bucket/key; MinIO, Ceph, moto) or virtual (bucket.endpoint/key). Env: AUDIT_S3_ADDRESSING. Default: path with --s3-endpoint, virtual for AWS.")
    var s3Addressing: String?

    @Option(name: .long, help: "Local directory where segments are staged before they are uploaded to an s3:// root. Env: AUDIT_STAGING_DIR. Default: $TMPDIR/auditshipper-staging.")
    var stagingDir: String?

    @Option(name: .long, help: "Seconds after which an object in the bucket with no manifest (left by a writer killed between uploads) is removed by the partition's next writer. Env: AUDIT_S3_ORPHAN_GRACE. Default: 120.")
    var s3OrphanGrace: String?

    @Option(name: .long, help: "Address of the admin listener (/healthz, /readyz, /metrics), host:port. Env: AUDIT_ADMIN_LISTEN. Default: 0.0.0.0:9091.")
    var adminListen: String?

    @Option(name: .long, help: "Kafka bootstrap brokers, comma-separated host:port. Env: KAFKA_BROKERS. Default: 127.0.0.1:9092.")
    var kafkaBrokers: String?

    @Option(name: .long, help: "Kafka topic of envelopes. Env: AUDIT_KAFKA_TOPIC. Default: audit.http.exchanges.")
    var kafkaTopic: String?

    @Option(name: .long, help: "Consumer group; members split the topic's partitions. Env: AUDIT_CONSUMER_GROUP. Default: audit-archiver.")
    var consumerGroup: String?

    @Option(name: .long, parsing: .singleValue, help: "Any librdkafka property as name=value (repeatable), e.g. security.protocol=SASL_SSL. Env: AUDIT_KAFKA_PROPERTY_<NAME> with dots as underscores; AUDIT_KAFKA_PROPERTY_<NAME>_FILE reads the value from a file (e.g. AUDIT_KAFKA_PROPERTY_SASL_PASSWORD_FILE).")
    var kafkaProperty: [String] = []

    @Option(name: .long, help: "Compressed bytes after which a segment closes, e.g. 128MiB. Env: AUDIT_SEGMENT_MAX_BYTES. Default: 128MiB.")
    var segmentMaxBytes: String?

    @Option(name: .long, help: "Envelopes after which a segment closes. Env: AUDIT_SEGMENT_MAX_RECORDS. Default: 10000.")
    var segmentMaxRecords: String?

    @Option(name: .long, help: "Seconds of event time a segment spans, aligned to UTC; divides an hour (3600: one segment per hour directory). Env: AUDIT_SEGMENT_INTERVAL. Default: 3600.")
    var segmentInterval: String?

    @Option(name: .long, help: "Seconds a segment stays open before it is closed and its offsets committed; bounds the delay to a durable archive. Env: AUDIT_SEGMENT_MAX_OPEN. Default: 30.")
    var segmentMaxOpen: String?

    @Option(name: .long, help: "gzip level, 1 (fastest) to 9 (smallest). Env: AUDIT_GZIP_LEVEL. Default: 1.")
    var gzipLevel: String?

    @Option(name: .long, help: "Seconds a chunked envelope may wait for missing chunks before they go to the dead-letter file. Env: AUDIT_CHUNK_TIMEOUT. Default: 300.")
    var chunkTimeout: String?

    @Option(name: .long, help: "Largest envelope accepted, whole or as announced by chunk headers; larger records go to the dead-letter file, e.g. 64MiB. Env: AUDIT_MAX_ENVELOPE_BYTES. Default: 64MiB.")
    var maxEnvelopeBytes: String?

    @Option(name: .long, help: "Memory for incomplete chunked envelopes across all partitions (values and headers); past it the oldest set goes to the dead-letter file. Env: AUDIT_MAX_PENDING_CHUNK_BYTES. Default: 256MiB.")
    var maxPendingChunkBytes: String?

    @Option(name: .long, help: "Incomplete chunked envelopes held at once across all partitions; past it the oldest goes to the dead-letter file. Env: AUDIT_MAX_PENDING_CHUNK_SETS. Default: 1024.")
    var maxPendingChunkSets: String?

    @Option(name: .long, help: "PEM Ed25519 private key that signs every manifest (make one with `audit-archive keygen`). Env: AUDIT_SIGNING_KEY. Default: none (manifests unsigned).")
    var signingKey: String?

    @Option(name: .long, help: "With --signing-key: a PEM public key of an earlier signing key (repeat for several). A partition's newest manifest must be signed by the signing key or one of these before the consumer resumes from it (key rotation). Env: AUDIT_PREVIOUS_PUBLIC_KEYS (comma-separated paths). Default: none.")
    var previousPublicKey: [String] = []

    @Flag(name: .long, help: "With --signing-key: resume from a partition whose newest manifest is unsigned (the first start with a key over an archive written without one). Without it such a partition is not taken. Env: AUDIT_ADOPT_UNSIGNED_HEAD=true.")
    var adoptUnsignedHead = false

    @Option(name: .long, help: "Witness topic: a checkpoint of each durable segment is published there (acks=all, idempotent) for `audit-archive verify --witness`. Env: AUDIT_CHECKPOINT_TOPIC. Default: none.")
    var checkpointTopic: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical. Env: AUDIT_LOG_LEVEL. Default: info.")
    var logLevel: String?
}
