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

    @OptionGroup var archive: ArchiveRootOptions

    @OptionGroup var lookup: ExchangeLookupOptions

    @Flag(exclusivity: .exclusive, help: "Which body.")
    var side: BodySide

    func run() async throws {
        let exchange = try await lookup.find(in: archive)
        exchange.record?.writeBody(side)
    }
}
