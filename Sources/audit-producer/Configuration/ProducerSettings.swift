import AuditArchive
import AuditCapture
import AuditProxy
import Foundation
import Kafka
import Logging
import NIOCore
import AuditPublisher
import AuditService

/// Everything `audit-producer` needs, resolved from flags, environment variables and the routes
/// file, and validated before anything listens.
struct ProducerSettings {
    var listenHost: String
    var listenPort: Int
    var adminHost: String
    var adminPort: Int
    var proxy: ProxyConfiguration
    var capture: CaptureConfiguration
    var kafka: KafkaProducerConfiguration
    var publisher: PublisherConfiguration
    var logLevel: Logger.Level

    /// The most envelope-building threads `--build-threads` may ask for.
    static let maxBuildThreads = 256

    /// - Throws: ``ConfigurationError`` naming the first bad setting.
    init(options: ProducerOptions, environment: [String: String]) throws {
        let reader = SettingReader(environment: environment)
        (listenHost, listenPort) = try reader.address(options.listen, flag: "listen", env: "AUDIT_LISTEN", default: "0.0.0.0:8080")
        (adminHost, adminPort) = try reader.address(options.adminListen, flag: "admin-listen", env: "AUDIT_ADMIN_LISTEN", default: "0.0.0.0:9090")
        if listenPort == adminPort, listenPort != 0 {
            throw ConfigurationError("--admin-listen / AUDIT_ADMIN_LISTEN", "uses port \(adminPort), which --listen uses too")
        }

        guard let (upstreamText, upstreamKey) = reader.value(options.upstream, flag: "upstream", env: "AUDIT_UPSTREAM") else {
            throw ConfigurationError("--upstream / AUDIT_UPSTREAM", "is required: the URL of the app to proxy to, e.g. http://127.0.0.1:8000")
        }
        guard let url = URL(string: upstreamText), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigurationError(upstreamKey, "'\(upstreamText)' is not an http:// or https:// URL with a host")
        }
        proxy = try Self.proxy(upstream: url, options: options, reader: reader)

        let (capture, redaction, eventSource) = try Self.capture(options: options, reader: reader)
        self.capture = capture
        kafka = try Self.kafka(options: options, reader: reader)
        publisher = PublisherConfiguration()
        publisher.redaction = redaction
        publisher.eventSource = eventSource
        publisher.topic = reader.value(options.kafkaTopic, flag: "kafka-topic", env: "AUDIT_KAFKA_TOPIC")?.value ?? publisher.topic
        publisher.keyHeader = reader.value(options.keyHeader, flag: "key-header", env: "AUDIT_KEY_HEADER")?.value
        publisher.queueMaxBytes = try reader.bytes(options.queueMaxBytes, flag: "queue-max-bytes", env: "AUDIT_QUEUE_MAX_BYTES", default: publisher.queueMaxBytes)
        publisher.buildThreads = try reader.count(options.buildThreads, flag: "build-threads", env: "AUDIT_BUILD_THREADS", default: publisher.buildThreads)
        guard publisher.buildThreads <= Self.maxBuildThreads else {
            throw ConfigurationError("--build-threads / AUDIT_BUILD_THREADS", "\(publisher.buildThreads) is more than \(Self.maxBuildThreads) threads")
        }
        publisher.drainTimeout = try reader.seconds(options.drainTimeout, flag: "drain-timeout", env: "AUDIT_DRAIN_TIMEOUT", default: publisher.drainTimeout)
        publisher.messageMaxBytes = kafka.messageMaxBytes
        publisher.bodyDecoding.maxBytes = capture.bodyCaptureLimit
        if let (path, key) = reader.value(options.digestKeyFile, flag: "digest-key-file", env: "AUDIT_DIGEST_KEY_FILE") {
            do {
                publisher.digestKey = try DigestKey(contentsOfFile: path)
            } catch {
                throw ConfigurationError(key, error.reason)
            }
        }
        publisher.markInterval = try reader.seconds(options.markInterval, flag: "mark-interval", env: "AUDIT_MARK_INTERVAL", default: publisher.markInterval)
        guard publisher.markInterval >= .seconds(1) else {
            throw ConfigurationError("--mark-interval / AUDIT_MARK_INTERVAL", "\(publisher.markInterval) is less than 1 second: marks would crowd the topic")
        }
        if let (path, key) = reader.value(options.producerSigningKey, flag: "producer-signing-key", env: "AUDIT_PRODUCER_SIGNING_KEY") {
            do {
                publisher.eventSigner = try ManifestSigningKey(contentsOfFile: path)
            } catch {
                throw ConfigurationError(key, error.reason)
            }
        }
        if let (policy, key) = reader.value(options.overflowPolicy, flag: "overflow-policy", env: "AUDIT_OVERFLOW_POLICY") {
            guard let parsed = OverflowPolicy(name: policy) else {
                throw ConfigurationError(key, "'\(policy)' is not one of spool, drop, block")
            }
            publisher.overflowPolicy = parsed
        }
        if let (name, key) = reader.value(options.durability, flag: "durability", env: "AUDIT_DURABILITY") {
            guard let parsed = Durability(name: name) else {
                throw ConfigurationError(key, "'\(name)' is not one of memory, disk")
            }
            publisher.durability = parsed
        }
        if let (directory, key) = reader.value(options.spoolDir, flag: "spool-dir", env: "AUDIT_SPOOL_DIR") {
            guard !directory.isEmpty else { throw ConfigurationError(key, "must name a directory") }
            publisher.spool.directory = directory
        }
        publisher.spool.maxBytes = try reader.bytes(options.spoolMaxBytes, flag: "spool-max-bytes", env: "AUDIT_SPOOL_MAX_BYTES", default: publisher.spool.maxBytes)
        publisher.spool.syncInterval = try reader.seconds(options.spoolSyncInterval, flag: "spool-sync-interval", env: "AUDIT_SPOOL_SYNC_INTERVAL", default: publisher.spool.syncInterval)
        if kafka.messageMaxBytes < 64 * 1024 {
            throw ConfigurationError("--kafka-message-max-bytes / AUDIT_KAFKA_MESSAGE_MAX_BYTES", "\(kafka.messageMaxBytes) is below the 64 KiB minimum for chunked envelopes")
        }

        logLevel = try reader.logLevel(options.logLevel)
    }

    private static func proxy(upstream: URL, options: ProducerOptions, reader: SettingReader) throws -> ProxyConfiguration {
        var proxy = ProxyConfiguration()
        proxy.upstream = upstream
        proxy.upstreamTimeout = try reader.seconds(options.upstreamTimeout, flag: "upstream-timeout", env: "AUDIT_UPSTREAM_TIMEOUT", default: proxy.upstreamTimeout)
        proxy.upstreamConnectTimeout = try reader.seconds(options.upstreamConnectTimeout, flag: "upstream-connect-timeout", env: "AUDIT_UPSTREAM_CONNECT_TIMEOUT", default: proxy.upstreamConnectTimeout)
        proxy.shutdownTimeout = try reader.seconds(options.shutdownTimeout, flag: "shutdown-timeout", env: "AUDIT_SHUTDOWN_TIMEOUT", default: proxy.shutdownTimeout)
        var limits = proxy.limits
        limits.maxHeaderBytes = try reader.bytes(options.maxHeaderBytes, flag: "max-header-bytes", env: "AUDIT_MAX_HEADER_BYTES", default: limits.maxHeaderBytes)
        guard (1024...ConnectionLimits.maximumHeaderBytes).contains(limits.maxHeaderBytes) else {
            throw ConfigurationError(
                "--max-header-bytes / AUDIT_MAX_HEADER_BYTES",
                "\(limits.maxHeaderBytes) is outside 1KiB...64KiB (larger heads cannot be forwarded safely: see the README)"
            )
        }
        limits.headerReadTimeout = TimeAmount(try reader.seconds(options.headerReadTimeout, flag: "header-read-timeout", env: "AUDIT_HEADER_READ_TIMEOUT", default: .seconds(10)))
        limits.idleTimeout = TimeAmount(try reader.seconds(options.idleTimeout, flag: "idle-timeout", env: "AUDIT_IDLE_TIMEOUT", default: .seconds(60)))
        limits.maxConnections = try reader.count(options.maxConnections, flag: "max-connections", env: "AUDIT_MAX_CONNECTIONS", default: limits.maxConnections)
        proxy.limits = limits
        if let (text, key) = reader.value(options.trustedProxies, flag: "trusted-proxies", env: "AUDIT_TRUSTED_PROXIES") {
            var blocks: [TrustedProxies.Block] = []
            for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
                guard let block = TrustedProxies.Block(entry) else {
                    throw ConfigurationError(key, "'\(entry)' is not an IPv4 or IPv6 address or CIDR block (examples: 10.0.0.0/8, fd00::/8)")
                }
                blocks.append(block)
            }
            proxy.trustedProxies = TrustedProxies(blocks)
        }
        return proxy
    }

    /// What to capture, and how the envelopes built from it are redacted and named (the
    /// publisher's part of the same routes file and flags).
    private static func capture(
        options: ProducerOptions,
        reader: SettingReader
    ) throws -> (CaptureConfiguration, RedactionConfiguration, eventSource: String) {
        var capture = CaptureConfiguration()
        var redaction = RedactionConfiguration()
        if let (path, _) = reader.value(options.routesFile, flag: "routes-file", env: "AUDIT_ROUTES_FILE") {
            let file = try RoutesFile.load(path: path)
            capture.rules = try file.rules(file: path)
            capture.pathMatching.caseInsensitive = file.matching?.caseInsensitive ?? false
            capture.pathMatching.stripSegmentParameters = file.matching?.stripSegmentParameters ?? false
            if let limit = file.captureLimit {
                guard let bytes = ByteSize.parse(limit) else {
                    throw ConfigurationError("routes file \(path) captureLimit", "'\(limit)' is not a size (examples: 512KiB, 4MiB)")
                }
                capture.bodyCaptureLimit = bytes
            }
            redaction.headers.formUnion(file.redact?.headers ?? [])
            redaction.jsonFields.formUnion(file.redact?.jsonFields ?? [])
            redaction.jsonPointers += file.redact?.jsonPointers ?? []
            redaction.queryParameters.formUnion(file.redact?.queryParams ?? [])
            redaction.caseSensitive = file.redact?.caseSensitive ?? false
            redaction.usesDefaultFields = file.redact?.defaultFields ?? true
            redaction.usesDefaultQueryParameters = file.redact?.defaultQueryParams ?? true
        }
        for (index, route) in reader.list(options.route, env: "AUDIT_ROUTES", separator: ";").enumerated() {
            do {
                capture.rules.append(try RouteRule(shortForm: route))
            } catch {
                throw ConfigurationError("--route / AUDIT_ROUTES [\(index)]", error.reason)
            }
        }
        capture.captureMemoryMax = try reader.bytes(options.captureMemoryMax, flag: "capture-memory-max", env: "AUDIT_CAPTURE_MEMORY_MAX", default: capture.captureMemoryMax ?? 0)
        capture.bodyCaptureLimit = try reader.bytes(options.captureLimit, flag: "capture-limit", env: "AUDIT_CAPTURE_LIMIT", default: capture.bodyCaptureLimit)
        redaction.headers.formUnion(reader.list(options.redactHeader, env: "AUDIT_REDACT_HEADERS", separator: ","))
        redaction.jsonFields.formUnion(reader.list(options.redactJsonField, env: "AUDIT_REDACT_JSON_FIELDS", separator: ","))
        redaction.jsonPointers += reader.list(options.redactJsonPointer, env: "AUDIT_REDACT_JSON_POINTERS", separator: ",")
        redaction.queryParameters.formUnion(reader.list(options.redactQueryParam, env: "AUDIT_REDACT_QUERY_PARAMS", separator: ","))
        for pointer in redaction.jsonPointers where !pointer.hasPrefix("/") {
            throw ConfigurationError("--redact-json-pointer / AUDIT_REDACT_JSON_POINTERS", "'\(pointer)' is not a JSON Pointer (it must start with '/')")
        }
        if let (header, key) = reader.value(options.requestIdHeader, flag: "request-id-header", env: "AUDIT_REQUEST_ID_HEADER") {
            capture.requestIDHeader = try headerName(header, key: key)
        }
        if let (header, key) = reader.value(options.receiptHeader, flag: "receipt-header", env: "AUDIT_RECEIPT_HEADER") {
            capture.receiptHeader = try headerName(header, key: key)
        }
        let eventSource = reader.value(options.source, flag: "source", env: "AUDIT_SOURCE")?.value
            ?? "audit-producer/\(ProcessInfo.processInfo.hostName)"
        return (capture, redaction, eventSource)
    }

    private static func headerName(_ name: String, key: String) throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
            throw ConfigurationError(key, "'\(name)' is not a header name")
        }
        return name
    }

    private static func kafka(options: ProducerOptions, reader: SettingReader) throws -> KafkaProducerConfiguration {
        var kafka = KafkaProducerConfiguration()
        kafka.clientID = "audit-producer"
        // A delivery that fails goes to the spool; a minute bounds how long it sits in memory.
        kafka.messageTimeout = .seconds(60)
        kafka.bootstrapServers = reader.kafkaBrokers(options.kafkaBrokers) ?? kafka.bootstrapServers
        kafka.messageMaxBytes = try reader.bytes(options.kafkaMessageMaxBytes, flag: "kafka-message-max-bytes", env: "AUDIT_KAFKA_MESSAGE_MAX_BYTES", default: kafka.messageMaxBytes)
        if let (codec, key) = reader.value(options.kafkaCompression, flag: "kafka-compression", env: "AUDIT_KAFKA_COMPRESSION") {
            guard let compression = KafkaCompression(name: codec) else {
                throw ConfigurationError(key, "'\(codec)' is not one of none, gzip, snappy, lz4, zstd")
            }
            kafka.compression = compression
        }
        kafka.additionalProperties = try reader.kafkaProperties(options.kafkaProperty)
        return kafka
    }
}
