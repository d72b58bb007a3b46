import ArgumentParser
import AuditArchive
import AuditEnvelope
import Foundation

/// `audit-archive verify ROOT`.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every segment's hash, chain link, signature and line, and compare with the witness.",
        discussion: """
            Reports each problem with the file or offsets concerned and exits 1 if there is any:
            a changed, missing or truncated segment, a manifest that was edited or deleted (the
            next manifest's link breaks), offsets in no segment, lines that do not parse, symbolic
            links or FIFOs where archive files belong, gzip bombs.

            With --public-key (repeatable, one per key while keys rotate), every manifest must
            carry a valid Ed25519 signature by one of them: a segment rewritten with every hash
            and link recomputed fails. Without it, the output says whether manifests are unsigned.

            With --witness BROKERS, the checkpoints on the witness topic are read and every
            segment they announced must still be in the archive, unchanged: deleting the newest
            segments, truncating a chain or replacing the archive is reported.
            With --since FILE, only segments archived after the point FILE records are read
            (each partition's newest verified manifest, which must still be there, unchanged,
            and linked from the next segment), and when everything passes FILE is moved to the
            new newest manifests: a nightly `verify --since` reads what arrived since the last
            night. Without FILE yet, the first run verifies everything and records it. History
            before the point is not read again; a full verify (or --witness) covers it.
            Progress goes to standard error every 2 seconds on long runs.
            """
    )

    @OptionGroup var archive: ArchiveRootOptions

    @Option(name: .long, help: "PEM Ed25519 public key whose signatures are accepted (repeatable).")
    var publicKey: [String] = []

    @OptionGroup var witness: WitnessOptions

    @Option(name: .long, help: "A file recording how far this archive was verified: verify only what came after, then record the new point (created by the first run).")
    var since: String?

    @Flag(help: "Print nothing but problems.")
    var quiet = false

    func run() async throws {
        var options = ArchiveVerifier.Options()
        options.publicKeys = publicKey.map { ManifestPublicKey.option($0) }
        var witnessProblems: [String] = []
        if let read = await witness.read(clientID: "audit-archive-verify") {
            options.checkpoints = read.checkpoints
            witnessProblems = read.invalid
        }
        if let since {
            do {
                options.since = try VerifiedPoint.read(since, root: archive.root)
            } catch {
                exitWithMessage("--since: \(error.reason)")
            }
        }
        let store = archive.store()
        let quiet = quiet
        let report = try await offThePool { [options] in
            var lastProgress = ContinuousClock.now
            return try withArchiveErrors {
                try ArchiveVerifier.verify(in: store, options: options) { progress in
                    guard !quiet, ContinuousClock.now - lastProgress >= .seconds(2) else { return }
                    lastProgress = .now
                    FileHandle.standardError.write(Data("verified \(progress.segmentsDone)/\(progress.segmentsTotal) segments, \(progress.bytesRead / 1_048_576) MiB\n".utf8))
                }
            }
        }
        archive.noteReads(of: store)
        for warning in report.warnings where !quiet { print("warning: \(warning)") }
        for problem in witnessProblems where !quiet { print("warning: witness record \(problem) (ignored)") }
        for problem in report.problems { print("PROBLEM: \(problem)") }
        var summary = "\(report.segments) segments, \(report.envelopes) envelopes, \(report.deadLetters) dead letters, \(report.bytes) bytes in \(report.partitions.count) partitions"
        summary += options.publicKeys.isEmpty
            ? "; signatures not checked (\(report.unsignedManifests) manifests unsigned)"
            : "; \(report.signedManifests) signatures valid"
        if let checkpoints = report.checkpoints { summary += "; \(checkpoints) witness checkpoints compared" }
        if options.since != nil { summary += "; \(report.segmentsBeforePoint) segments verified before --since's point not read again" }
        guard report.passed else {
            print("FAILED: \(report.problems.count) problems; \(summary)")
            if let since { print("\(since) not updated: it still records the point verified last") }
            throw ExitCode(1)
        }
        if !quiet { print("OK: \(summary)") }
        if let since {
            let point = VerifiedPoint(root: archive.root, partitions: report.point, verifiedAt: RFC3339.format(microseconds: WallClock.microseconds()))
            do {
                try point.write(to: since)
            } catch {
                exitWithMessage("--since: the archive passed, but \(error.reason)")
            }
            if !quiet { print("\(since): verified through the newest manifest of \(report.point.count) partitions") }
        }
    }
}
