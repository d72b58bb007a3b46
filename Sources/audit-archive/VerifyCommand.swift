import ArgumentParser
import AuditArchive
import Foundation

/// `audit-archive verify ROOT`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every segment's hash, every chain link, offset continuity and every line.",
        discussion: """
            Reports each problem with the file or offsets concerned and exits 1 if there is any:
            a changed, missing or truncated segment, a manifest that was edited or deleted (the
            next manifest's link breaks), offsets in no segment, lines that do not parse.
            Progress goes to standard error every 2 seconds on long runs.
            """
    )

    @Argument(help: "The archive root.")
    var root: String

    @Flag(help: "Print nothing but problems.")
    var quiet = false

    func run() throws {
        let started = ContinuousClock.now
        var lastProgress = started
        let report = try withArchiveErrors {
            try ArchiveVerifier.verify(root: root) { progress in
                guard !quiet, ContinuousClock.now - lastProgress >= .seconds(2) else { return }
                lastProgress = .now
                FileHandle.standardError.write(Data("verified \(progress.segmentsDone)/\(progress.segmentsTotal) segments, \(progress.bytesRead / 1_048_576) MiB\n".utf8))
            }
        }
        for warning in report.warnings where !quiet { print("warning: \(warning)") }
        for problem in report.problems { print("PROBLEM: \(problem)") }
        let summary = "\(report.segments) segments, \(report.envelopes) envelopes, \(report.deadLetters) dead letters, \(report.bytes) bytes in \(report.partitions.count) partitions"
        if report.passed {
            if !quiet { print("OK: \(summary)") }
        } else {
            print("FAILED: \(report.problems.count) problems; \(summary)")
            throw ExitCode(1)
        }
    }
}
