/// The compression codec of produced message batches (librdkafka `compression.codec`).
public struct KafkaCompression: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable, CaseIterable {
        case none, gzip, snappy, lz4, zstd
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// No compression.
    public static let none = KafkaCompression(.none)
    /// gzip: small output, slow.
    public static let gzip = KafkaCompression(.gzip)
    /// snappy: fast, modest ratio.
    public static let snappy = KafkaCompression(.snappy)
    /// lz4: fast, modest ratio.
    public static let lz4 = KafkaCompression(.lz4)
    /// zstd: good ratio at moderate cost.
    public static let zstd = KafkaCompression(.zstd)

    /// Parses a codec name as librdkafka spells it (`none`, `gzip`, `snappy`, `lz4`, `zstd`).
    public init?(name: String) {
        guard let base = Base(rawValue: name.lowercased()) else { return nil }
        self.base = base
    }

    /// The value librdkafka expects.
    public var propertyValue: String { base.rawValue }
    public var description: String { base.rawValue }
}
