import NIOCore

/// A Kafka record carrying an envelope or one chunk of it, kept free of any Kafka client type.
public struct EnvelopeRecord: Sendable {
    /// The record headers, in order.
    public var headers: [HeaderField]
    /// The record value.
    public var value: ByteBuffer

    /// Creates a record.
    public init(headers: [HeaderField], value: ByteBuffer) {
        self.headers = headers
        self.value = value
    }

    /// The last value of header `name`, if present.
    public func header(_ name: String) -> String? {
        headers.last { $0.name == name }?.value
    }
}
