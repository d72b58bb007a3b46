import AuditArchive
import Foundation

/// Reports what a reading command could not read, on standard error as it is found, and makes
/// the command exit 1 at the end if there was anything.
final class ProblemReporter {
    private(set) var count = 0

    /// Prints one problem.
    func report(_ finding: ArchiveFinding) {
        count += 1
        FileHandle.standardError.write(Data("audit-archive: problem: \(LocalCopy.shown("\(finding)"))\n".utf8))
    }

    /// Exits 1 with a summary when there were problems.
    func exitIfAny() {
        guard count > 0 else { return }
        exitWithMessage("\(count) problems while reading; what could be read was (run audit-archive verify)", status: 1)
    }
}
