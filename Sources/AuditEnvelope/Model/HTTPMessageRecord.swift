/// The headers and body of a request or a response.
public struct HTTPMessageRecord: Sendable, Equatable {
    /// Headers in order, with redactions applied.
    public var headers: [HeaderField]
    /// The body.
    public var body: BodyRecord

    /// Creates a message record.
    public init(headers: [HeaderField], body: BodyRecord) {
        self.headers = headers
        self.body = body
    }
}
