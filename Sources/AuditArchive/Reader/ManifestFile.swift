/// A manifest read from disk with the SHA-256 of its bytes (the value the next manifest links to).
public struct ManifestFile: Sendable {
    /// Where it is.
    public var path: String
    /// Its contents.
    public var manifest: SegmentManifest
    /// Lowercase hex SHA-256 of the file.
    public var sha256: String

    /// Reads and parses the manifest at `path`.
    /// - Throws: ``ArchiveError`` when it cannot be read or parsed.
    public init(path: String) throws(ArchiveError) {
        let bytes = try ArchiveFile.read(path)
        self.path = path
        self.manifest = try SegmentManifest.decode(bytes, path: path)
        self.sha256 = ArchiveDigest.sha256(bytes)
    }
}
