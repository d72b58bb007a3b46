import ArgumentParser
import AuditArchive
import AuditEnvelope

/// `audit-archive stats ROOT`.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Counts, bytes and time range of archived exchanges, per route and per status.",
        discussion: "Lines or segments that cannot be read are reported on standard error and skipped; the exit status is then 1."
    )

    @OptionGroup var archive: ArchiveRootOptions

    @OptionGroup var filters: FilterOptions

    func run() async throws {
        let filter = try filters.filter()
        let store = archive.store()
        let statistics = try await offThePool {
            try withArchiveErrors { try ArchiveStatistics.compute(in: store, filter: filter, onPlan: { noteReadPlan($0, lookup: false) }) }
        }
        archive.noteReads(of: store)
        let total = statistics.total
        print("exchanges: \(total.exchanges)")
        print("envelope bytes: \(statistics.envelopeBytes)")
        print("request body bytes: \(total.requestBytes)")
        print("response body bytes: \(total.responseBytes)")
        if let first = statistics.firstEventTime, let last = statistics.lastEventTime {
            print("from: \(RFC3339.format(microseconds: first))")
            print("to: \(RFC3339.format(microseconds: last))")
        }
        printTable("route", statistics.byRoute)
        printTable("status", statistics.byStatus)
        print("\noutcome\texchanges")
        for (outcome, count) in statistics.byOutcome.sorted(by: { $0.key < $1.key }) { print("\(outcome)\t\(count)") }
        let problems = ProblemReporter()
        statistics.problems.forEach(problems.report)
        problems.exitIfAny()
    }

    private func printTable(_ title: String, _ tallies: [String: ArchiveStatistics.Tally]) {
        print("\n\(title)\texchanges\trequest bytes\tresponse bytes")
        for (key, tally) in tallies.sorted(by: { $0.key < $1.key }) {
            print("\(key)\t\(tally.exchanges)\t\(tally.requestBytes)\t\(tally.responseBytes)")
        }
    }
}
