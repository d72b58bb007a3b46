import ArgumentParser

/// The command-line flags of `audit-producer`. Every flag has an environment variable (shown in
/// its help) for Kubernetes; a flag wins over its variable.
struct ProducerOptions: ParsableArguments {
    @Option(name: .long, help: "Address to serve proxied traffic on, host:port. Env: AUDIT_LISTEN. Default: 0.0.0.0:8080.")
    var listen: String?

    @Option(name: .long, help: "Address of the admin listener (/healthz, /readyz, /metrics), host:port. Env: AUDIT_ADMIN_LISTEN. Default: 0.0.0.0:9090.")
    var adminListen: String?

    @Option(name: .long, help: "The app to proxy to, e.g. http://127.0.0.1:8000. Env: AUDIT_UPSTREAM. Required.")
    var upstream: String?

    @Option(name: .long, help: "Seconds to wait for the upstream's response head. Env: AUDIT_UPSTREAM_TIMEOUT. Default: 30.")
    var upstreamTimeout: String?

    @Option(name: .long, help: "Seconds to wait for a connection to the upstream. Env: AUDIT_UPSTREAM_CONNECT_TIMEOUT. Default: 5.")
    var upstreamConnectTimeout: String?

    @Option(name: .long, help: "Largest request head (request line and headers) in bytes, e.g. 32KiB; a larger one is answered 431 and not forwarded. At most 64KiB. Env: AUDIT_MAX_HEADER_BYTES. Default: 64KiB.")
    var maxHeaderBytes: String?

    @Option(name: .long, help: "Seconds a request head may take from its first byte; a slower client is answered 408 and closed. Env: AUDIT_HEADER_READ_TIMEOUT. Default: 10.")
    var headerReadTimeout: String?

    @Option(name: .long, help: "Seconds a client connection may sit idle (keep-alive between requests, or a request body that stopped arriving) before it is closed. Env: AUDIT_IDLE_TIMEOUT. Default: 60.")
    var idleTimeout: String?

    @Option(name: .long, help: "Most client connections open at once; past it new ones wait in the listen backlog. Env: AUDIT_MAX_CONNECTIONS. Default: 1024.")
    var maxConnections: String?

    @Option(name: .long, help: "Comma-separated CIDRs (e.g. 10.0.0.0/8,fd00::/8) of proxies whose X-Forwarded-*/Forwarded headers are kept; from other peers they are replaced. Env: AUDIT_TRUSTED_PROXIES. Default: none.")
    var trustedProxies: String?

    @Option(name: .long, help: "Seconds a graceful shutdown (SIGTERM) waits for exchanges in flight before closing their connections; the publisher's --drain-timeout follows. Env: AUDIT_SHUTDOWN_TIMEOUT. Default: 15.")
    var shutdownTimeout: String?

    @Option(name: .long, help: "YAML routes file (routes to capture, redaction). Env: AUDIT_ROUTES_FILE.")
    var routesFile: String?

    @Option(name: .long, parsing: .singleValue, help: "A route to capture, 'METHOD[,METHOD] /path' or '/path' (repeatable; after the file's rules). Env: AUDIT_ROUTES, ';'-separated.")
    var route: [String] = []

    @Option(name: .long, help: "Bytes kept per body, e.g. 4MiB; longer bodies are truncated in the envelope. Env: AUDIT_CAPTURE_LIMIT. Default: 4MiB.")
    var captureLimit: String?

    @Option(name: .long, help: "Most bytes (by buffer capacity) that exchanges being captured may hold at once, e.g. 128MiB; past it new body bytes are not kept (truncatedReason: memoryBudget) while size and hash still cover them, and no response waits. Env: AUDIT_CAPTURE_MEMORY_MAX. Default: 128MiB.")
    var captureMemoryMax: String?

    @Option(name: .long, parsing: .singleValue, help: "Another header to redact (repeatable; added to authorization, proxy-authorization, cookie, set-cookie, x-api-key, x-auth-token, x-csrf-token, x-amz-security-token, ... see README). Env: AUDIT_REDACT_HEADERS, ','-separated.")
    var redactHeader: [String] = []

    @Option(name: .long, parsing: .singleValue, help: "A body field whose values are redacted in JSON, NDJSON and form bodies (repeatable; case-insensitive; '*' at either end matches any prefix or suffix, e.g. '*iban*'); added to the defaults (password, secret, token, api_key, ... see README). Env: AUDIT_REDACT_JSON_FIELDS, ','-separated.")
    var redactJsonField: [String] = []

    @Option(name: .long, parsing: .singleValue, help: "A query parameter whose values are redacted in the request target and in Location, Referer and Content-Location (repeatable); added to the defaults (access_token, api_key, token, password, signature, ...). Env: AUDIT_REDACT_QUERY_PARAMS, ','-separated.")
    var redactQueryParam: [String] = []

    @Option(name: .long, help: "File holding the key (at least 32 bytes, e.g. head -c 32 /dev/urandom) of keyed body digests: each body gets hmacSha256 of its SHA-256, so key holders can prove which body was exchanged after redaction. Env: AUDIT_DIGEST_KEY_FILE. Default: none.")
    var digestKeyFile: String?

    @Option(name: .long, parsing: .singleValue, help: "A JSON Pointer redacted in bodies, '*' matches any segment (repeatable). Env: AUDIT_REDACT_JSON_POINTERS, ','-separated.")
    var redactJsonPointer: [String] = []

    @Option(name: .long, help: "Header carrying the request id. Env: AUDIT_REQUEST_ID_HEADER. Default: X-Request-ID.")
    var requestIdHeader: String?

    @Option(name: .long, help: "Response header that returns each recorded exchange's receipt, <producer-id>/<sequence>, for a client-side ledger to match against 'audit-archive reconcile'; removed from responses not recorded. Env: AUDIT_RECEIPT_HEADER. Default: none (no receipt is sent).")
    var receiptHeader: String?

    @Option(name: .long, help: "CloudEvents source of envelopes. Env: AUDIT_SOURCE. Default: audit-producer/<hostname>.")
    var source: String?

    @Option(name: .long, help: "Kafka bootstrap brokers, comma-separated host:port. Env: KAFKA_BROKERS. Default: 127.0.0.1:9092.")
    var kafkaBrokers: String?

    @Option(name: .long, help: "Kafka topic for envelopes. Env: AUDIT_KAFKA_TOPIC. Default: audit.http.exchanges.")
    var kafkaTopic: String?

    @Option(name: .long, help: "Largest Kafka message in bytes (message.max.bytes). Env: AUDIT_KAFKA_MESSAGE_MAX_BYTES. Default: 1000000.")
    var kafkaMessageMaxBytes: String?

    @Option(name: .long, help: "Compression: none, gzip, snappy, lz4, zstd. Env: AUDIT_KAFKA_COMPRESSION. Default: lz4.")
    var kafkaCompression: String?

    @Option(name: .long, parsing: .singleValue, help: "Any librdkafka property as name=value (repeatable), e.g. security.protocol=SASL_SSL. Env: AUDIT_KAFKA_PROPERTY_<NAME> with dots as underscores, e.g. AUDIT_KAFKA_PROPERTY_SASL_MECHANISM; AUDIT_KAFKA_PROPERTY_<NAME>_FILE reads the value from a file, e.g. AUDIT_KAFKA_PROPERTY_SASL_PASSWORD_FILE.")
    var kafkaProperty: [String] = []

    @Option(name: .long, help: "Request header whose value keys Kafka records (e.g. a tenant id); default key is the exchange id. Env: AUDIT_KEY_HEADER.")
    var keyHeader: String?

    @Option(name: .long, help: "Most bytes of exchanges waiting for Kafka in memory (with --durability disk: being built and spooled; a response waits for room), e.g. 256MiB. Env: AUDIT_QUEUE_MAX_BYTES. Default: 256MiB.")
    var queueMaxBytes: String?

    @Option(name: .long, help: "Envelopes built at once, on as many threads (decoding, redaction, encoding, hashing); they reach Kafka in arrival order. 1 to 256. Env: AUDIT_BUILD_THREADS. Default: the number of cores.")
    var buildThreads: String?

    @Option(name: .long, help: "When the queue is full: spool (to disk), drop (counted) or block (adds latency). Env: AUDIT_OVERFLOW_POLICY. Default: spool.")
    var overflowPolicy: String?

    @Option(name: .long, help: "What a captured exchange survives before Kafka acknowledged it: memory (queued in memory; a killed process loses what was queued, and 'audit-archive reconcile' names it) or disk (spooled before its response's last chunk is written; a killed process loses nothing answered). Env: AUDIT_DURABILITY. Default: memory.")
    var durability: String?

    @Option(name: .long, help: "Directory of the disk spool used while Kafka is down or slow; replayed at start. Env: AUDIT_SPOOL_DIR. Default: audit-spool.")
    var spoolDir: String?

    @Option(name: .long, help: "Most bytes the spool holds, e.g. 1GiB; past it envelopes are dropped (counted). Env: AUDIT_SPOOL_MAX_BYTES. Default: 1GiB.")
    var spoolMaxBytes: String?

    @Option(name: .long, help: "Seconds between fsyncs of the spool (a power loss loses at most this much). Env: AUDIT_SPOOL_SYNC_INTERVAL. Default: 1.")
    var spoolSyncInterval: String?

    @Option(name: .long, help: "Seconds a graceful shutdown waits for Kafka acknowledgements; the rest is spooled. Env: AUDIT_DRAIN_TIMEOUT. Default: 10.")
    var drainTimeout: String?

    @Option(name: .long, help: "Seconds between high-water marks (the highest sequence number given so far, published to the topic like a drop notice; one more at shutdown), so that 'audit-archive reconcile' sees a deleted tail and a silent producer. At least 1. Env: AUDIT_MARK_INTERVAL. Default: 10.")
    var markInterval: String?

    @Option(name: .long, help: "PEM Ed25519 private key (audit-archive keygen) that signs drop notices and marks, for 'audit-archive reconcile --producer-public-key'. Env: AUDIT_PRODUCER_SIGNING_KEY. Default: none (unsigned).")
    var producerSigningKey: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical. Env: AUDIT_LOG_LEVEL. Default: info.")
    var logLevel: String?
}
