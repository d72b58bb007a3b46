/// Where a consumer starts when its group has no committed offset (librdkafka `auto.offset.reset`).
public struct KafkaAutoOffsetReset: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case earliest, latest, error
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Start from the oldest retained message.
    public static let earliest = KafkaAutoOffsetReset(.earliest)
    /// Start after the newest message.
    public static let latest = KafkaAutoOffsetReset(.latest)
    /// Fail with an error instead of guessing.
    public static let error = KafkaAutoOffsetReset(.error)

    /// The value librdkafka expects.
    public var propertyValue: String { base.rawValue }
    public var description: String { base.rawValue }
}
