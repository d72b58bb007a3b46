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

/// Runs the blocking reading `work` on a thread of its own and waits for it. A read of an
/// `s3://` root waits on each request, whose answer arrives on the cooperative pool: the reading
/// must not hold one of the pool's threads (on one CPU the pool has only one).
func offThePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Swift.Result { try work() })
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
