import ArgumentParser
import AuditArchive
import AuditEnvelope
import Foundation

/// `audit-archive body ROOT --id ID|--request-id ID --request|--response`.
struct BodyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "body",
        abstract: "Write one exchange's raw request or response body to standard output.",
        discussion: """
            Writes the body bytes exactly as stored and checks them against the recorded SHA-256.
            Find the exchange by its exchange id (--id) or by the request id the app logged
            (--request-id, the propagated X-Request-ID); several exchanges with one request id
            (a client retrying) are listed and nothing is written. Exits 1 when the exchange is
            not found, ambiguous, or the bytes do not match. A body truncated at capture is
            written with a note on standard error (its SHA-256 covers all bytes received). A
            redacted, withheld or decoded body carries the SHA-256 of the bytes stored, which is
            checked; its hmacSha256 (with a digest key) identifies the original.
            """
    )

    enum Side: EnumerableFlag {
        case request, response
    }

    @OptionGroup var archive: ArchiveRootOptions

    @Option(help: "The exchange id.")
    var id: String?

    @Option(help: "The request id (the X-Request-ID the app logged).")
    var requestId: String?

    @Flag(exclusivity: .exclusive, help: "Which body.")
    var side: Side

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
    }

    func run() async throws {
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
        let problems = ProblemReporter()
        let store = archive.store()
        let wantsOne = id != nil
        let found = try await offThePool { [filter] in
            var found: [ExchangeRecord] = []
            try withArchiveErrors {
                try ArchiveQuery.forEach(in: store, filter: filter, decodeRecords: true, onPlan: { noteReadPlan($0, lookup: true) }, onProblem: problems.report) { exchange in
                    if let record = exchange.record, !found.contains(where: { $0.exchangeID == record.exchangeID }) { found.append(record) }
                    return wantsOne || found.count > 10 ? .stop : .proceed
                }
            }
            return found
        }
        archive.noteReads(of: store)
        let wanted = id.map { "exchange \($0)" } ?? "request id \(requestId ?? "")"
        guard let record = found.first else {
            problems.exitIfAny()
            exitWithMessage("no \(wanted) in \(archive.root)", status: 1)
        }
        guard found.count == 1 else {
            let ids = found.prefix(10).map(\.exchangeID).joined(separator: ", ")
            exitWithMessage("\(found.count > 10 ? "more than 10" : String(found.count)) exchanges have \(wanted): \(ids); pick one with --id", status: 1)
        }
        let body = side == .request ? record.request.body : record.response.body
        FileHandle.standardOutput.write(Data(body.data.readableBytesView))
        let name = side == .request ? "request" : "response"
        let redacted = record.redactions.contains { $0.hasPrefix("\(name).body") }
        if body.sha256Of == .wire, body.truncated {
            exitWithMessage("note: the \(name) body was truncated at capture: \(body.captured) of \(body.size) bytes written; its sha256 covers all \(body.size)", status: 0)
        }
        if body.sha256Of == .wire, redacted {
            exitWithMessage("note: fields of the \(name) body were redacted at capture (a record from before redacted bodies got the digest of what is stored); its sha256 is of the original", status: 0)
        }
        let digest = ArchiveDigest.sha256(body.data)
        guard digest == body.sha256 else {
            exitWithMessage("the \(name) body's SHA-256 \(digest) does not match the recorded \(body.sha256)", status: 1)
        }
    }
}
