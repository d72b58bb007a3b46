/// One header: an HTTP header as recorded (names keep their case and order, repeated names stay
/// repeated, redacted values are `[REDACTED]`), or a Kafka record header of an envelope.
public struct HeaderField: Hashable, Sendable {
    /// The header name.
    public var name: String
    /// The header value (`[REDACTED]` when redacted).
    public var value: String

    /// Creates a header field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
