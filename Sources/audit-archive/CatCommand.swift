import ArgumentParser
import AuditArchive
import Foundation
import NIOCore

/// `audit-archive cat ROOT`.
struct CatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print archived envelopes as JSON lines (CloudEvents structured mode), filtered.",
        discussion: """
            Exchanges and, without exchange criteria, drop notices; producers' marks (one per
            producer every --mark-interval, for reconcile) only with --marks. A line or segment
            that cannot be read is reported on standard error and skipped; the rest is printed.
            Exits 1 when nothing matched or anything could not be read.
            """
    )

    @OptionGroup var archive: ArchiveRootOptions

    @OptionGroup var filters: FilterOptions

    @Option(help: "Stop after this many envelopes.")
    var limit: Int?

    @Flag(help: "Also print producers' marks (dev.auditshipper.http.mark.v1), when no exchange criterion is given.")
    var marks = false

    func run() async throws {
        var filter = try filters.filter()
        filter.includesMarks = marks
        let output = FileHandle.standardOutput
        let problems = ProblemReporter()
        let store = archive.store()
        let limit = limit
        let printed = try await offThePool { [filter] in
            var printed = 0
            try withArchiveErrors {
                try ArchiveQuery.forEach(in: store, filter: filter, onPlan: { noteReadPlan($0, lookup: false) }, onProblem: problems.report) { exchange in
                    var line = exchange.line
                    line.writeStaticString("\n")
                    output.write(Data(line.readableBytesView))
                    printed += 1
                    return printed == limit ? .stop : .proceed
                }
            }
            return printed
        }
        archive.noteReads(of: store)
        problems.exitIfAny()
        if printed == 0 { throw ExitCode(1) }
    }
}
