/// The one error type of the `AuditArchive` module. Its description names the file and the
/// problem, never envelope bytes.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set that may grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case io, corruptCompression, invalidManifest, invalidIndex, invalidVerifiedPoint, invalidLine, missingRoot, invalidKey, locked, oversize, notRegularFile, conflict, objectStore, untrustedHead, invalidEvidence, noEvidence
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A file system operation failed (the reason carries `strerror`).
        public static let io = Code(.io)
        /// A gzip stream is damaged or truncated.
        public static let corruptCompression = Code(.corruptCompression)
        /// A manifest is not valid JSON of the expected shape.
        public static let invalidManifest = Code(.invalidManifest)
        /// A segment index is not JSON lines of index entries in line order.
        public static let invalidIndex = Code(.invalidIndex)
        /// A `verify --since` file cannot be used (``VerifiedPoint``).
        public static let invalidVerifiedPoint = Code(.invalidVerifiedPoint)
        /// A segment line is not a valid envelope.
        public static let invalidLine = Code(.invalidLine)
        /// The archive root does not exist or is not a directory.
        public static let missingRoot = Code(.missingRoot)
        /// A signing or public key cannot be read or used.
        public static let invalidKey = Code(.invalidKey)
        /// Another writer holds the partition's lock.
        public static let locked = Code(.locked)
        /// A line, file or inflated stream is larger than the reader accepts.
        public static let oversize = Code(.oversize)
        /// A path is a symbolic link, FIFO, device or directory where a regular file belongs.
        public static let notRegularFile = Code(.notRegularFile)
        /// Another writer published a segment of the same name first (a conditional write was
        /// refused): the chain was not forked, and the writer must re-read the partition's head.
        public static let conflict = Code(.conflict)
        /// A request to the object store failed.
        public static let objectStore = Code(.objectStore)
        /// A partition's newest manifest fails the writer's checks (``HeadManifestCheck``): the
        /// writer does not resume from it.
        public static let untrustedHead = Code(.untrustedHead)
        /// An evidence bundle is not JSON of the expected shape (``EvidenceBundle``).
        public static let invalidEvidence = Code(.invalidEvidence)
        /// No evidence bundle can be made for an envelope: its segment has no signed Merkle
        /// root, or the archive does not agree with itself about it.
        public static let noEvidence = Code(.noEvidence)

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
