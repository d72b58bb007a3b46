import ArgumentParser
import AuditArchive
import AuditEnvelope

/// How `body` and `prove` find the one exchange they are about: by its exchange id, or by the
/// request id the app logged, narrowed by topic, partition and time.
struct ExchangeLookupOptions: ParsableArguments {
    @Option(help: "The exchange id.")
    var id: String?

    @Option(help: "The request id (the X-Request-ID the app logged).")
    var requestId: String?

    @Option(help: "Search only this topic (only its directory is listed).")
    var topic: String?

    @Option(help: "Search only this partition's segments.")
    var partition: Int32?

    @Option(help: "Search only exchanges that started at or after this RFC 3339 time: only the hour directories from then on are listed.")
    var from: String?

    @Option(help: "Search only exchanges that started before this RFC 3339 time. With --from, a lookup by request id reads the indexes of those hours only.")
    var to: String?

    func validate() throws {
        guard (id == nil) != (requestId == nil) else { throw ValidationError("give exactly one of --id and --request-id") }
        _ = try filter()
    }

    /// The filter selecting the exchange.
    func filter() throws -> ExchangeFilter {
        var filter = ExchangeFilter()
        filter.exchangeID = id
        filter.requestID = requestId
        (filter.topic, filter.partition) = try FilterOptions.place(topic: topic, partition: partition)
        if let from {
            guard let time = RFC3339.parse(from) else { throw ValidationError("--from '\(from)' is not an RFC 3339 time") }
            filter.from = time
        }
        if let to {
            guard let time = RFC3339.parse(to) else { throw ValidationError("--to '\(to)' is not an RFC 3339 time") }
            filter.to = time
        }
        return filter
    }

    /// The one exchange selected in `archive`, its record decoded; exits 1 saying so when there
    /// is none, or several (a client retrying with one request id), listing their ids.
    func find(in archive: ArchiveRootOptions) async throws -> ArchivedExchange {
        let filter = try filter()
        let problems = ProblemReporter()
        let store = archive.store()
        let wantsOne = id != nil
        let found = try await offThePool { [filter] in
            var found: [ArchivedExchange] = []
            try withArchiveErrors {
                try ArchiveQuery.forEach(in: store, filter: filter, decodeRecords: true, onPlan: { noteReadPlan($0, lookup: true) }, onProblem: problems.report) { exchange in
                    if let record = exchange.record, !found.contains(where: { $0.record?.exchangeID == record.exchangeID }) { found.append(exchange) }
                    return wantsOne || found.count > 10 ? .stop : .proceed
                }
            }
            return found
        }
        archive.noteReads(of: store)
        let wanted = id.map { "exchange \($0)" } ?? "request id \(requestId ?? "")"
        guard let exchange = found.first else {
            problems.exitIfAny()
            exitWithMessage("no \(wanted) in \(archive.root)", status: 1)
        }
        guard found.count == 1 else {
            let ids = found.prefix(10).compactMap(\.record?.exchangeID).joined(separator: ", ")
            exitWithMessage("\(found.count > 10 ? "more than 10" : String(found.count)) exchanges have \(wanted): \(ids); pick one with --id", status: 1)
        }
        return exchange
    }
}
