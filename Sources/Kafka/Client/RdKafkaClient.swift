import CRdKafka
import Logging
import Synchronization

/// Owns one `rd_kafka_t` handle and the queue its events arrive on.
///
/// Events (delivery reports, fetched messages, rebalances, logs, errors) are delivered on a
/// single queue polled by the owner; no C callbacks run on librdkafka's threads.
///
/// `@unchecked Sendable`: the two pointers are immutable after `init`, and librdkafka documents
/// `rd_kafka_t` and `rd_kafka_queue_t` as safe to use from any thread; the handle is destroyed
/// only in `deinit`, when no other reference to this object exists.
final class RdKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer
        case consumer
    }

    let handle: OpaquePointer
    /// The queue every event of this client is routed to.
    let eventQueue: OpaquePointer
    let logger: Logger
    /// When each error code was last logged at warning level, so that a broker outage logs once
    /// per ``repeatedErrorInterval`` instead of once per reconnect attempt.
    private let lastLoggedErrors = Mutex<[Int32: ContinuousClock.Instant]>([:])
    static let repeatedErrorInterval: Duration = .seconds(30)

    /// - Throws: ``KafkaError`` for an invalid property or when librdkafka cannot create the client.
    init(kind: Kind, properties: [String: String], events: Int32, logger: Logger) throws(KafkaError) {
        var properties = properties
        properties["log.queue"] = "true"
        let conf = try RdKafkaConfiguration.make(properties)
        rd_kafka_conf_set_events(conf, events | RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR)

        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        let (created, detail) = withErrorMessageBuffer { rd_kafka_new(type, conf, $0, $1) }
        guard let handle = created else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.invalidConfiguration, reason: detail)
        }
        self.handle = handle
        self.logger = logger
        KafkaRuntimeVersion.logOnce(to: logger)

        switch kind {
        case .producer:
            eventQueue = rd_kafka_queue_get_main(handle)
        case .consumer:
            rd_kafka_poll_set_consumer(handle)
            eventQueue = rd_kafka_queue_get_consumer(handle)
        }
        // Logs go to the main queue, which a consumer forwards to its consumer queue.
        rd_kafka_set_log_queue(handle, nil)
    }

    deinit {
        rd_kafka_queue_destroy(eventQueue)
        rd_kafka_destroy(handle)
    }

    /// Handles the events every client kind shares; returns `false` for any other event.
    func handleCommonEvent(_ event: OpaquePointer) -> Bool {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_LOG:
            logLibraryMessage(event)
            return true
        case RD_KAFKA_EVENT_ERROR:
            logClientError(event)
            return true
        default:
            return false
        }
    }

    /// The current fatal error, if librdkafka raised one.
    func fatalError() -> KafkaError? {
        let (code, detail) = withErrorMessageBuffer { rd_kafka_fatal_error(handle, $0, $1) }
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(responseError: code, reason: detail, isFatal: true)
    }

    private func logLibraryMessage(_ event: OpaquePointer) {
        var facility: UnsafePointer<CChar>?
        var text: UnsafePointer<CChar>?
        var level: Int32 = 0
        guard rd_kafka_event_log(event, &facility, &text, &level) == 0 else { return }
        let message = text.map { String(cString: $0) } ?? ""
        logger.log(
            level: Logger.Level(syslogLevel: level),
            "librdkafka: \(message)",
            metadata: ["kafka.facility": .string(facility.map { String(cString: $0) } ?? "")]
        )
    }

    private func logClientError(_ event: OpaquePointer) {
        let code = rd_kafka_event_error(event)
        let isFatal = rd_kafka_event_error_is_fatal(event) != 0
        let reason = String(cString: rd_kafka_event_error_string(event))
        let error = isFatal ? (fatalError() ?? KafkaError(responseError: code, reason: reason, isFatal: true))
            : KafkaError(responseError: code, reason: reason)
        let now = ContinuousClock.now
        let isRepeat = lastLoggedErrors.withLock { logged -> Bool in
            if let last = logged[code.rawValue], now - last < Self.repeatedErrorInterval { return true }
            logged[code.rawValue] = now
            return false
        }
        // librdkafka reconnects by itself; repeats of the same error while a broker is down go to debug.
        let level: Logger.Level = isFatal ? .critical : (isRepeat ? .debug : .warning)
        logger.log(level: level, "Kafka client error", metadata: ["kafka.error": "\(error)"])
    }
}

extension Logger.Level {
    /// Maps a syslog severity (librdkafka's log levels) to a swift-log level.
    init(syslogLevel: Int32) {
        switch syslogLevel {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}
