#if canImport(Glibc)
import Glibc
#endif

/// The local directory where a partition's segment files are written before they are put into
/// place (renamed, or uploaded).
enum StagingDirectory {
    /// Creates `path` if needed and removes the files of `topic`'s `partition` an interrupted
    /// writer left there (a replay writes them again).
    ///
    /// The directory must be the process's own: a directory, not a link, owned by this user and
    /// not writable by others (one it creates is 0700), since whoever can write there could
    /// swap a segment's bytes between hashing and publishing.
    static func prepare(_ path: String, topic: String, partition: Int32) throws(ArchiveError) {
        let existed = ArchiveFile.kind(path) != .missing
        try ArchiveFile.makeDirectory(path)
        if !existed { _ = chmod(path, 0o700) }
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ArchiveError(.notRegularFile, "staging directory \(path) is not a directory (a symbolic link is not followed)")
        }
        guard info.st_uid == geteuid() else {
            throw ArchiveError(.io, "staging directory \(path) belongs to uid \(info.st_uid), not to this process (uid \(geteuid())): whoever owns it could change segments before they are published; give a private --staging-dir")
        }
        guard info.st_mode & S_IWOTH == 0 else {
            throw ArchiveError(.io, "staging directory \(path) is writable by every user: others could change segments before they are published; make it private (chmod 700) or give another --staging-dir")
        }
        for file in try ArchiveFile.list(path) where file.hasPrefix("\(topic)+\(partition)+") {
            try ArchiveFile.remove("\(path)/\(file)")
        }
    }
}
