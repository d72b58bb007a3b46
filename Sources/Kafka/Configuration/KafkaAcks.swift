/// How many broker acknowledgements a produce request waits for (librdkafka `acks`).
public struct KafkaAcks: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case all = "all"
        case leader = "1"
        case none = "0"
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Every in-sync replica acknowledges (`acks=all`); required by idempotence.
    public static let all = KafkaAcks(.all)
    /// The partition leader alone acknowledges (`acks=1`).
    public static let leader = KafkaAcks(.leader)
    /// No acknowledgement (`acks=0`); deliveries are never confirmed.
    public static let none = KafkaAcks(.none)

    /// The value librdkafka expects.
    public var propertyValue: String { base.rawValue }
    public var description: String { base.rawValue }
}
