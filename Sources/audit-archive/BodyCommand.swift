import ArgumentParser
import AuditArchive
import AuditEnvelope
import Foundation

/// `audit-archive body ROOT --id ID --request|--response`.
struct BodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "body",
        abstract: "Write one exchange's raw request or response body to standard output.",
        discussion: """
            Writes the body bytes exactly as captured and checks them against the recorded
            SHA-256. Exits 1 when the exchange is not found or the bytes do not match; a body that
            was truncated at capture or redacted is written with a note on standard error (its
            recorded SHA-256 is of the original).
            """
    )

    enum Side: EnumerableFlag {
        case request, response
    }

    @Argument(help: "The archive root.")
    var root: String

    @Option(help: "The exchange id.")
    var id: String

    @Flag(exclusivity: .exclusive, help: "Which body.")
    var side: Side

    @Option(help: "Search only exchanges that started at or after this RFC 3339 time (faster on large archives).")
    var from: String?

    func run() throws {
        var filter = ExchangeFilter()
        filter.exchangeID = id
        if let from {
            guard let time = RFC3339.parse(from) else { throw ValidationError("--from '\(from)' is not an RFC 3339 time") }
            filter.from = time
        }
        var found: ExchangeRecord?
        let problems = ProblemReporter()
        try withArchiveErrors {
            try ArchiveQuery.forEach(in: root, filter: filter, decodeRecords: true, onProblem: problems.report) { exchange in
                found = exchange.record
                return .stop
            }
        }
        guard let record = found else {
            problems.exitIfAny()
            exitWithMessage("no exchange \(id) in \(root)", status: 1)
        }
        let body = side == .request ? record.request.body : record.response.body
        FileHandle.standardOutput.write(Data(body.data.readableBytesView))
        let name = side == .request ? "request" : "response"
        let redacted = record.redactions.contains { $0.hasPrefix("\(name).body") }
        if body.truncated {
            exitWithMessage("note: the \(name) body was truncated at capture: \(body.captured) of \(body.size) bytes written; its sha256 covers all \(body.size)", status: 0)
        }
        if redacted {
            exitWithMessage("note: fields of the \(name) body were redacted at capture; its sha256 is of the original", status: 0)
        }
        let digest = ArchiveDigest.sha256(body.data)
        guard digest == body.sha256 else {
            exitWithMessage("the \(name) body's SHA-256 \(digest) does not match the recorded \(body.sha256)", status: 1)
        }
    }
}
