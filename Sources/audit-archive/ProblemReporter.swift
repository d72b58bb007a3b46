import AuditArchive
import Foundation
import Synchronization

/// Reports what a reading command could not read, on standard error as it is found, and makes
/// the command exit 1 at the end if there was anything.
final class ProblemReporter: Sendable {
    private let reported = Mutex(0)

    /// Prints one problem.
    func report(_ finding: ArchiveFinding) {
        reported.withLock { $0 += 1 }
        FileHandle.standardError.write(Data("audit-archive: problem: \(finding)\n".utf8))
    }

    /// Exits 1 with a summary when there were problems.
    func exitIfAny() {
        let count = reported.withLock { $0 }
        guard count > 0 else { return }
        exitWithMessage("\(count) problems while reading; what could be read was (run audit-archive verify)", status: 1)
    }
}
