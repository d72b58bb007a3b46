import CRdKafka

/// The one error type of the `Kafka` module.
///
/// `description` names the code, librdkafka's error name and a human reason; it never
/// prints message payloads or configuration values (which may hold credentials).
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a closed set that may grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration
            case closed
            case messageTooLarge
            case queueFull
            case timedOut
            case brokerUnreachable
            case unknownTopicOrPartition
            case fatal
            case delivery
            case consumer
            case underlying
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A configuration property is unknown or its value is invalid.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The client was closed before the operation.
        public static let closed = Code(.closed)
        /// The message exceeds `message.max.bytes` (client or broker side).
        public static let messageTooLarge = Code(.messageTooLarge)
        /// librdkafka's local queue is full.
        public static let queueFull = Code(.queueFull)
        /// An operation or a delivery did not complete in time.
        public static let timedOut = Code(.timedOut)
        /// No broker could be reached (connection refused, name resolution, all brokers down).
        public static let brokerUnreachable = Code(.brokerUnreachable)
        /// The topic or partition does not exist.
        public static let unknownTopicOrPartition = Code(.unknownTopicOrPartition)
        /// The client hit a fatal error (for example an idempotence violation) and must be recreated.
        public static let fatal = Code(.fatal)
        /// The broker rejected a message.
        public static let delivery = Code(.delivery)
        /// A consumer operation (subscribe, commit, assignment) failed.
        public static let consumer = Code(.consumer)
        /// Any other librdkafka error; see ``KafkaError/rdKafkaErrorName``.
        public static let underlying = Code(.underlying)

        public var description: String { base.rawValue }
    }

    /// The category of the failure.
    public var code: Code
    /// A human-readable reason (librdkafka's message where there is one).
    public var reason: String
    /// librdkafka's numeric error code, when the error came from librdkafka.
    public var rdKafkaErrorCode: Int32?
    /// librdkafka's symbolic error name (for example `_MSG_TIMED_OUT`), when there is one.
    public var rdKafkaErrorName: String?
    /// Whether retrying the same operation may succeed.
    public var isRetriable: Bool
    /// Whether the client is no longer usable and must be recreated.
    public var isFatal: Bool
    /// Where the error was raised.
    public var file: String
    /// Where the error was raised.
    public var line: Int

    /// Creates an error that did not come from librdkafka.
    public init(
        _ code: Code,
        reason: String,
        isRetriable: Bool = false,
        isFatal: Bool = false,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.rdKafkaErrorCode = nil
        self.rdKafkaErrorName = nil
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "KafkaError.\(code)"
        if let rdKafkaErrorName { text += " (\(rdKafkaErrorName))" }
        text += ": \(reason)"
        return text
    }
}

extension KafkaError {
    /// Wraps a `rd_kafka_resp_err_t`.
    init(
        responseError: rd_kafka_resp_err_t,
        reason: String? = nil,
        isFatal: Bool? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        let code = Self.code(for: responseError)
        self.code = code
        self.reason = reason ?? String(cString: rd_kafka_err2str(responseError))
        self.rdKafkaErrorCode = responseError.rawValue
        self.rdKafkaErrorName = String(cString: rd_kafka_err2name(responseError))
        self.isRetriable = Self.retriableErrors.contains(responseError)
        self.isFatal = isFatal ?? (responseError == RD_KAFKA_RESP_ERR__FATAL)
        self.file = file
        self.line = line
    }

    /// Wraps and destroys a `rd_kafka_error_t`.
    init(consuming error: OpaquePointer, file: String = #fileID, line: Int = #line) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            responseError: rd_kafka_error_code(error),
            reason: String(cString: rd_kafka_error_string(error)),
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            file: file,
            line: line
        )
        if rd_kafka_error_is_retriable(error) != 0 { isRetriable = true }
    }

    private static let retriableErrors: Set<rd_kafka_resp_err_t> = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
    ]

    private static func code(for error: rd_kafka_resp_err_t) -> Code {
        switch error {
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: .messageTooLarge
        case RD_KAFKA_RESP_ERR__QUEUE_FULL: .queueFull
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
            .timedOut
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE:
            .brokerUnreachable
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
            RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            .unknownTopicOrPartition
        case RD_KAFKA_RESP_ERR__FATAL: .fatal
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__DESTROY:
            .closed
        default: error.rawValue > 0 ? .delivery : .underlying
        }
    }
}
