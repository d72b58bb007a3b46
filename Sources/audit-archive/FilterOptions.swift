import ArgumentParser
import AuditArchive
import AuditEnvelope

/// The exchange filters shared by `cat` and `stats` (`body` takes `--topic`, `--partition`, `--from` and `--to` too).
struct FilterOptions: ParsableArguments {
    @Option(help: "Only this topic (only its directory is listed).")
    var topic: String?

    @Option(help: "Only this partition's segments.")
    var partition: Int32?

    @Option(help: "Only exchanges that started at or after this RFC 3339 time, e.g. 2026-11-21T10:00:00Z.")
    var from: String?

    @Option(help: "Only exchanges that started before this RFC 3339 time.")
    var to: String?

    @Option(help: "Only this route pattern, exactly as captured (e.g. '/api/orders/{id}').")
    var route: String?

    @Option(help: "Only this request method.")
    var method: String?

    @Option(help: "Only this status (201) or status class (5xx).")
    var status: String?

    @Option(help: "Only the exchange with this id.")
    var id: String?

    @Option(help: "Only exchanges with this request id (the X-Request-ID the app logged; the exchange id when the request had none).")
    var requestId: String?

    /// The filter, or a validation error naming the bad option.
    func filter() throws -> ExchangeFilter {
        var filter = ExchangeFilter()
        (filter.topic, filter.partition) = try Self.place(topic: topic, partition: partition)
        filter.from = try from.map { try Self.time($0, option: "--from") }
        filter.to = try to.map { try Self.time($0, option: "--to") }
        filter.route = route
        filter.method = method
        if let status {
            let valid = status.count == 3 && (Int(status) != nil || (status.first?.isNumber == true && status.lowercased().hasSuffix("xx")))
            guard valid else { throw ValidationError("--status '\(status)' is not a status such as 201 or a class such as 5xx") }
            filter.status = status
        }
        filter.exchangeID = id
        filter.requestID = requestId
        return filter
    }

    /// `--topic` and `--partition`, checked.
    static func place(topic: String?, partition: Int32?) throws -> (String?, Int32?) {
        if let topic, let problem = ArchiveLayout.topicNameProblem(topic) { throw ValidationError("--topic: \(problem)") }
        if let partition, partition < 0 { throw ValidationError("--partition \(partition) is negative") }
        return (topic, partition)
    }

    private static func time(_ text: String, option: String) throws -> Int64 {
        guard let time = RFC3339.parse(text) else {
            throw ValidationError("\(option) '\(text)' is not an RFC 3339 time such as 2026-11-21T10:00:00Z")
        }
        return time
    }
}
