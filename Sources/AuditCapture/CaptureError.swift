/// The one error type of the `AuditCapture` module.
public struct CaptureError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set that may grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A capture setting (route rule, pattern, status filter, redaction) is invalid.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        public var description: String { base.rawValue }
    }

    /// The category of the failure.
    public var code: Code
    /// The configuration key at fault (for example `routes[2].path`), if any.
    public var key: String?
    /// A human-readable reason.
    public var reason: String
    /// Where the error was raised.
    public var file: String
    /// Where the error was raised.
    public var line: Int

    /// Creates an invalid-configuration error for `key`.
    public init(key: String?, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = .invalidConfiguration
        self.key = key
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// The same error, with its key placed under `parent` (`routes[2]` + `path` → `routes[2].path`).
    public func nested(under parent: String) -> CaptureError {
        var copy = self
        copy.key = key.map { "\(parent).\($0)" } ?? parent
        return copy
    }

    public var description: String {
        if let key { return "invalid \(key): \(reason)" }
        return "invalid configuration: \(reason)"
    }
}
