import NIOCore

/// A manifest read from disk with the SHA-256 of its bytes (the value the next manifest links to).
public struct ManifestFile: Sendable {
    /// Where it is.
    public var path: String
    /// Its contents.
    public var manifest: SegmentManifest
    /// Lowercase hex SHA-256 of the file.
    public var sha256: String

    /// The largest manifest read. A manifest lists a few numbers and the chunk sets carried
    /// over, so real ones are a few KiB.
    public static let maxBytes = 16 * 1024 * 1024

    /// Reads and parses the manifest at `path`.
    /// - Throws: ``ArchiveError`` when it cannot be read or parsed, or is implausible.
    public init(path: String) throws(ArchiveError) {
        try self.init(bytes: ArchiveFile.read(path, maxBytes: Self.maxBytes), path: path)
    }

    /// Parses a manifest's bytes read from `path` (a file path or an object's URL).
    /// - Throws: ``ArchiveError`` when they cannot be parsed or are implausible.
    public init(bytes: ByteBuffer, path: String) throws(ArchiveError) {
        self.path = path
        self.manifest = try SegmentManifest.decode(bytes, path: path)
        self.sha256 = ArchiveDigest.sha256(bytes)
    }
}
