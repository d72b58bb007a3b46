import NIOCore

/// An archive directory read through ``ArchiveStore``: entries by `lstat` (a symbolic link is
/// reported as irregular, never followed), files opened with `O_NOFOLLOW` and read in chunks.
public struct DirectoryArchiveStore: ArchiveStore {
    public let root: String

    /// Reads the archive under the directory `root`.
    public init(root: String) {
        self.root = ArchiveLayout(root: root).root
    }

    private func path(_ relative: String) -> String { relative.isEmpty ? root : "\(root)/\(relative)" }

    public func list(_ directory: String) throws(ArchiveError) -> [ArchiveStoreEntry] {
        if directory.isEmpty, !ArchiveFile.isDirectory(root) {
            throw ArchiveError(.missingRoot, "archive root \(root) does not exist or is not a directory")
        }
        let full = path(directory)
        return try ArchiveFile.list(full).map { name in
            let child = "\(full)/\(name)"
            switch ArchiveFile.kind(child) {
            case .directory: return ArchiveStoreEntry(name: name, kind: .directory)
            case .regular: return ArchiveStoreEntry(name: name, kind: .file(size: ArchiveFile.size(child) ?? 0))
            case .other, .missing: return ArchiveStoreEntry(name: name, kind: .irregular)
            }
        }
    }

    public func size(_ relative: String) throws(ArchiveError) -> Int? {
        ArchiveFile.size(path(relative))
    }

    public func read(_ relative: String, maxBytes: Int) throws(ArchiveError) -> ByteBuffer? {
        let full = path(relative)
        guard ArchiveFile.kind(full) != .missing else { return nil }
        return try ArchiveFile.read(full, maxBytes: maxBytes)
    }

    public func forEachChunk(_ relative: String, range: Range<Int>?, _ body: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws(ArchiveError) {
        try ArchiveFile.readChunks(path(relative), range: range, chunkSize: 1 << 20, body)
    }
}
