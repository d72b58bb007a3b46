/// How a body's bytes are represented in the envelope's `data` field.
public struct BodyEncoding: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case json, text, base64
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// A well-formed JSON body, embedded verbatim as a JSON value (its bytes unchanged); whitespace
    /// around the value travels in `leadingWhitespace`/`trailingWhitespace`.
    public static let json = BodyEncoding(.json)
    /// Valid UTF-8 text that is not a compact JSON value (including pretty-printed JSON, whose
    /// line breaks would split a one-event-per-line archive), as a JSON string.
    public static let text = BodyEncoding(.text)
    /// Anything else (binary, compressed, invalid UTF-8), base64-encoded.
    public static let base64 = BodyEncoding(.base64)

    /// Parses the name used on the wire.
    public init?(name: String) {
        guard let base = Base(rawValue: name) else { return nil }
        self.base = base
    }

    /// The name used on the wire.
    public var name: String { base.rawValue }
    public var description: String { base.rawValue }
}
