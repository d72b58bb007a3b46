import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The one-writer-per-partition lock: an exclusive `flock` on
/// `<root>/<topic>/.locks/<topic>+<partition>.lock`, held while a ``PartitionArchiver`` has the
/// partition open. The file names its holder so that a refused writer can say who has it. The
/// kernel releases the lock when the holder's process dies, so a crash never leaves it stuck.
///
/// `flock` locks are per open file description: a second writer in the same process (another
/// consumer group by mistake) is refused just as one in another process on the same host is.
/// On network file systems where `flock` is not shared between hosts, run one consumer group
/// per archive directory.
final class PartitionLock {
    /// Where the lock file is.
    let path: String
    private var descriptor: Int32

    /// Takes the lock without waiting.
    /// - Parameter holder: Written into the lock file (process, host, group) for whoever is refused.
    /// - Throws: ``ArchiveError`` `locked` naming the current holder, or `io`.
    init(layout: ArchiveLayout, topic: String, partition: Int32, holder: String) throws(ArchiveError) {
        let directory = layout.lockDirectory(topic)
        try ArchiveFile.makeDirectory(directory)
        path = "\(directory)/\(topic)+\(partition).lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, ArchiveFile.fileMode)
        guard descriptor >= 0 else { throw ArchiveFile.failure("open lock file", path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let current = Self.readHolder(descriptor)
            close(descriptor)
            descriptor = -1
            guard code == EWOULDBLOCK else { throw ArchiveFile.failure("lock", path, code) }
            throw ArchiveError(.locked, "\(topic)[\(partition)] is being written by another writer (\(current.isEmpty ? "holder unknown" : current)); lock \(path)")
        }
        let text = Array("\(holder)\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    deinit { release() }

    /// Whether another writer holds the lock now (a probe that takes and drops it when free).
    static func isHeld(layout: ArchiveLayout, topic: String, partition: Int32) -> Bool {
        let path = "\(layout.lockDirectory(topic))/\(topic)+\(partition).lock"
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    /// Releases the lock (also done on deinit).
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    private static func readHolder(_ descriptor: Int32) -> String {
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return "" }
        return String(decoding: bytes.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
