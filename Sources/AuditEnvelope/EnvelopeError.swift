/// The one error type of the `AuditEnvelope` module. Its description names the problem and
/// where it was found, never body bytes.
public struct EnvelopeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set that may grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case malformedJSON, missingField, invalidField, unsupportedEvent, invalidChunk, oversize
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The bytes are not well-formed JSON.
        public static let malformedJSON = Code(.malformedJSON)
        /// A required field or header is absent.
        public static let missingField = Code(.missingField)
        /// A field has the wrong type or an impossible value.
        public static let invalidField = Code(.invalidField)
        /// The event is not an AuditShipper exchange of a version this code reads.
        public static let unsupportedEvent = Code(.unsupportedEvent)
        /// A chunk header is missing or inconsistent with the other chunks of its set.
        public static let invalidChunk = Code(.invalidChunk)
        /// A record or announced envelope is larger than the reader accepts.
        public static let oversize = Code(.oversize)

        public var description: String { base.rawValue }
    }

    /// The category of the failure.
    public var code: Code
    /// A human-readable reason.
    public var reason: String
    /// Where the error was raised.
    public var file: String
    /// Where the error was raised.
    public var line: Int

    /// Creates an error.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { "EnvelopeError.\(code): \(reason)" }
}

extension EnvelopeError {
    init(_ error: JSONScanError, in what: String, file: String = #fileID, line: Int = #line) {
        self.init(.malformedJSON, "\(what): \(error)", file: file, line: line)
    }
}
