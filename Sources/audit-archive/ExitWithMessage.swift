import ArgumentParser
import AuditArchive
import Foundation

/// Prints `message` on standard error and exits with `status` (default 2: an unreadable archive).
func exitWithMessage(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("audit-archive: \(message)\n".utf8))
    exit(status)
}

/// Runs `body`, turning an ``ArchiveError`` into a message and exit status 2.
func withArchiveErrors<Result>(_ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch let error as ArchiveError {
        exitWithMessage(error.reason)
    }
}
