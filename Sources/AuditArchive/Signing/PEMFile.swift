import Foundation

/// Reads a PEM key file: at most 64 KiB, read no further than that. Symbolic links are followed
/// (Kubernetes mounts Secrets through them), unlike archive files.
enum PEMFile {
    static let maxBytes = 64 * 1024

    /// The text of the file at `path`.
    /// - Throws: ``ArchiveError`` (`invalidKey`) when it cannot be read or is larger than 64 KiB;
    ///   the caller names the file.
    static func read(_ path: String) throws(ArchiveError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ArchiveError(.invalidKey, "cannot be read")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        } catch {
            throw ArchiveError(.invalidKey, "cannot be read (\(error))")
        }
        guard data.count <= maxBytes else {
            throw ArchiveError(.invalidKey, "larger than \(maxBytes / 1024) KiB: not a PEM key")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
