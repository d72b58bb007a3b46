import CRdKafka
import Logging
import Synchronization

/// The version of the librdkafka library loaded at run time, which may differ from the headers
/// the module was built against.
public struct KafkaRuntimeVersion: Sendable, Comparable, CustomStringConvertible {
    /// The oldest version that parses tagged protocol fields correctly (fixed upstream in 2.2.0);
    /// older versions cannot talk to some brokers.
    public static let minimumRecommended = KafkaRuntimeVersion(hex: 0x0202_0000)

    /// The loaded library's version.
    public static var current: KafkaRuntimeVersion { KafkaRuntimeVersion(hex: rd_kafka_version()) }

    /// librdkafka's packed version, `0xMMmmrrxx`.
    public let hex: Int32

    /// Wraps librdkafka's packed version number `0xMMmmrrxx`.
    public init(hex: Int32) {
        self.hex = hex
    }

    public var major: Int { Int((hex >> 24) & 0xFF) }
    public var minor: Int { Int((hex >> 16) & 0xFF) }
    public var revision: Int { Int((hex >> 8) & 0xFF) }

    public var description: String { "\(major).\(minor).\(revision)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor, lhs.revision) < (rhs.major, rhs.minor, rhs.revision)
    }

    private static let logged = Atomic<Bool>(false)

    /// Logs the runtime version the first time a client is created in this process, with a
    /// warning when it is older than ``minimumRecommended``.
    static func logOnce(to logger: Logger) {
        guard !logged.exchange(true, ordering: .relaxed) else { return }
        let version = current
        if version < minimumRecommended {
            logger.warning(
                "librdkafka \(version) is older than \(minimumRecommended): it mis-parses tagged protocol fields and may fail with 'Read underflow' against newer brokers; run with librdkafka >= \(minimumRecommended)"
            )
        } else {
            logger.info("librdkafka runtime version \(version)")
        }
    }
}
