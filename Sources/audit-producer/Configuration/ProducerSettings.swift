import AuditCapture
import Foundation
import Kafka
import Logging
import AuditPublisher
import AuditService

/// Everything `audit-producer` needs, resolved from flags, environment variables and the routes
/// file, and validated before anything listens.
struct ProducerSettings {
    var listenHost: String
    var listenPort: Int
    var adminHost: String
    var adminPort: Int
    var upstream: URL
    var upstreamTimeout: Duration
    var upstreamConnectTimeout: Duration
    var capture: CaptureConfiguration
    var kafka: KafkaProducerConfiguration
    var publisher: PublisherConfiguration
    var logLevel: Logger.Level

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
        upstream = url
        upstreamTimeout = try reader.seconds(options.upstreamTimeout, flag: "upstream-timeout", env: "AUDIT_UPSTREAM_TIMEOUT", default: .seconds(30))
        upstreamConnectTimeout = try reader.seconds(options.upstreamConnectTimeout, flag: "upstream-connect-timeout", env: "AUDIT_UPSTREAM_CONNECT_TIMEOUT", default: .seconds(5))

        capture = try Self.capture(options: options, reader: reader)
        kafka = try Self.kafka(options: options, reader: reader)
        publisher = PublisherConfiguration()
        publisher.topic = reader.value(options.kafkaTopic, flag: "kafka-topic", env: "AUDIT_KAFKA_TOPIC")?.value ?? publisher.topic
        publisher.keyHeader = reader.value(options.keyHeader, flag: "key-header", env: "AUDIT_KEY_HEADER")?.value
        publisher.queueMaxBytes = try reader.bytes(options.queueMaxBytes, flag: "queue-max-bytes", env: "AUDIT_QUEUE_MAX_BYTES", default: publisher.queueMaxBytes)
        publisher.drainTimeout = try reader.seconds(options.drainTimeout, flag: "drain-timeout", env: "AUDIT_DRAIN_TIMEOUT", default: publisher.drainTimeout)
        publisher.messageMaxBytes = kafka.messageMaxBytes
        if let (policy, key) = reader.value(options.overflowPolicy, flag: "overflow-policy", env: "AUDIT_OVERFLOW_POLICY") {
            guard let parsed = OverflowPolicy(name: policy) else {
                throw ConfigurationError(key, "'\(policy)' is not one of spool, drop, block")
            }
            publisher.overflowPolicy = parsed
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

    private static func capture(options: ProducerOptions, reader: SettingReader) throws -> CaptureConfiguration {
        var capture = CaptureConfiguration()
        if let (path, _) = reader.value(options.routesFile, flag: "routes-file", env: "AUDIT_ROUTES_FILE") {
            let file = try RoutesFile.load(path: path)
            capture.rules = try file.rules(file: path)
            if let limit = file.captureLimit {
                guard let bytes = ByteSize.parse(limit) else {
                    throw ConfigurationError("routes file \(path) captureLimit", "'\(limit)' is not a size (examples: 512KiB, 4MiB)")
                }
                capture.bodyCaptureLimit = bytes
            }
            capture.redaction.headers.formUnion(file.redact?.headers ?? [])
            capture.redaction.jsonFields.formUnion(file.redact?.jsonFields ?? [])
            capture.redaction.jsonPointers += file.redact?.jsonPointers ?? []
        }
        for (index, route) in reader.list(options.route, env: "AUDIT_ROUTES", separator: ";").enumerated() {
            do {
                capture.rules.append(try RouteRule(shortForm: route))
            } catch {
                throw ConfigurationError("--route / AUDIT_ROUTES [\(index)]", error.reason)
            }
        }
        capture.bodyCaptureLimit = try reader.bytes(options.captureLimit, flag: "capture-limit", env: "AUDIT_CAPTURE_LIMIT", default: capture.bodyCaptureLimit)
        capture.redaction.headers.formUnion(reader.list(options.redactHeader, env: "AUDIT_REDACT_HEADERS", separator: ","))
        capture.redaction.jsonFields.formUnion(reader.list(options.redactJsonField, env: "AUDIT_REDACT_JSON_FIELDS", separator: ","))
        capture.redaction.jsonPointers += reader.list(options.redactJsonPointer, env: "AUDIT_REDACT_JSON_POINTERS", separator: ",")
        for pointer in capture.redaction.jsonPointers where !pointer.hasPrefix("/") {
            throw ConfigurationError("--redact-json-pointer / AUDIT_REDACT_JSON_POINTERS", "'\(pointer)' is not a JSON Pointer (it must start with '/')")
        }
        if let (header, key) = reader.value(options.requestIdHeader, flag: "request-id-header", env: "AUDIT_REQUEST_ID_HEADER") {
            guard !header.isEmpty, header.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
                throw ConfigurationError(key, "'\(header)' is not a header name")
            }
            capture.requestIDHeader = header
        }
        capture.eventSource = reader.value(options.source, flag: "source", env: "AUDIT_SOURCE")?.value
            ?? "audit-producer/\(ProcessInfo.processInfo.hostName)"
        return capture
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
