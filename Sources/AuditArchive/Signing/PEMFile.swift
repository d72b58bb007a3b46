import AuditEnvelope

/// Reads a PEM key file with `SmallFile`: at most 64 KiB, read no further than that; symbolic
/// links are followed (Kubernetes mounts Secrets through them), unlike archive files; a FIFO or
/// device is refused rather than waited on.
enum PEMFile {
    static let maxBytes = 64 * 1024

    /// The text of the file at `path`.
    /// - Throws: ``ArchiveError`` (`invalidKey`) when it cannot be read or is larger than 64 KiB;
    ///   the caller names the file.
    static func read(_ path: String) throws(ArchiveError) -> String {
        do {
            return String(decoding: try SmallFile.read(path, maximumBytes: maxBytes), as: UTF8.self)
        } catch {
            switch error.kind {
            case .unreadable(let reason): throw ArchiveError(.invalidKey, "cannot be read (\(reason))")
            case .notRegular: throw ArchiveError(.invalidKey, "is not a regular file")
            case .tooLarge: throw ArchiveError(.invalidKey, "larger than \(maxBytes / 1024) KiB: not a PEM key")
            }
        }
    }
}
