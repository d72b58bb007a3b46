/// The one error type of the `AuditArchive` module. Its description names the file and the
/// problem, never envelope bytes.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set that may grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case io, corruptCompression, invalidManifest, invalidLine, missingRoot
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A file system operation failed (the reason carries `strerror`).
        public static let io = Code(.io)
        /// A gzip stream is damaged or truncated.
        public static let corruptCompression = Code(.corruptCompression)
        /// A manifest is not valid JSON of the expected shape.
        public static let invalidManifest = Code(.invalidManifest)
        /// A segment line is not a valid envelope.
        public static let invalidLine = Code(.invalidLine)
        /// The archive root does not exist or is not a directory.
        public static let missingRoot = Code(.missingRoot)

        public var description: String { base.rawValue }
    }

    /// The category of the failure.
    public var code: Code
    /// A human-readable reason naming the path.
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

    public var description: String { reason }
}
