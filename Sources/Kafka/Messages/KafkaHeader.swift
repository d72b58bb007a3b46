import NIOCore

/// One Kafka record header. Names may repeat within a record; order is kept.
public struct KafkaHeader: Sendable, Hashable {
    /// The header name.
    public var key: String
    /// The header value; `nil` is a header present with a null value.
    public var value: ByteBuffer?

    /// Creates a header.
    /// - Parameters:
    ///   - key: The header name.
    ///   - value: The value bytes, or `nil` for a null value.
    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }

    /// Creates a header whose value is the UTF-8 bytes of `value`.
    public init(key: String, string value: String) {
        self.init(key: key, value: ByteBuffer(string: value))
    }
}
