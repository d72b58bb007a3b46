import ArgumentParser
import AuditArchive
import Foundation
import Synchronization

/// Prints `message` on standard error and exits with `status` (default 2: an unreadable archive).
func exitWithMessage(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("audit-archive: \(LocalCopy.shown(message))\n".utf8))
    LocalCopy.remove()
    exit(status)
}

/// The temporary local copy of an `s3://` archive being read, if any: messages name the `s3://`
/// root instead of it, and it is removed however the command ends.
enum LocalCopy {
    private static let current = Mutex<(local: String, root: String)?>(nil)

    /// Registers the copy at `local` of `root`.
    static func register(_ local: String, of root: String) { current.withLock { $0 = (local, root) } }

    /// `text` with the copy's path replaced by its root.
    static func shown(_ text: String) -> String {
        guard let copy = current.withLock({ $0 }) else { return text }
        return text.replacingOccurrences(of: copy.local, with: copy.root)
    }

    /// Removes the copy, if any.
    static func remove() {
        guard let copy = current.withLock({ taken in defer { taken = nil }; return taken }) else { return }
        try? FileManager.default.removeItem(atPath: copy.local)
    }
}

/// Runs `body`, turning an ``ArchiveError`` into a message and exit status 2.
func withArchiveErrors<Result>(_ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch let error as ArchiveError {
        exitWithMessage(error.reason)
    }
}
