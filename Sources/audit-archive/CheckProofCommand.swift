import ArgumentParser
import AuditArchive
import AuditEnvelope
import Foundation

/// `audit-archive check-proof FILE --public-key KEY [--body request|response]`.
struct CheckProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-proof",
        abstract: "Check an evidence bundle offline, without the archive.",
        discussion: """
            Checks that the manifest in the bundle carries a valid Ed25519 signature by one of the
            keys given, that the envelope line with its audit path gives the Merkle root that
            signed manifest records (RFC 9162 2.1.3.2), that the manifest file is the signed
            manifest with its signature, that the redactions listed are those of the line's
            record, and that a witness checkpoint in the bundle announced that manifest file.
            Exits 0 and says what is proven, or 1 with the reason it is not; 2 when the file
            cannot be read. With --body, the proven exchange's request or response body is
            written to standard output, byte for byte as archived, after the check holds.
            """
    )

    @Argument(help: "The bundle written by audit-archive prove.")
    var file: String

    @Option(name: .long, help: "PEM Ed25519 public key of the consumer that signed the archive (repeatable, one per key while keys rotate).")
    var publicKey: [String]

    @Option(help: "Also write this body of the proven exchange to standard output: request or response.")
    var body: BodySide?

    func validate() throws {
        guard !publicKey.isEmpty else { throw ValidationError("give --public-key: a proof is only as good as the key it is checked with") }
    }

    func run() throws {
        let keys = publicKey.map { ManifestPublicKey.option($0) }
        let bundle: EvidenceBundle
        do throws(ArchiveError) {
            bundle = try EvidenceBundle.read(fromFile: file)
        } catch {
            exitWithMessage(error.reason, status: error.code == .invalidEvidence ? 1 : 2)
        }
        let proven: EvidenceBundle.Proven
        do throws(ArchiveError) {
            proven = try bundle.check(keys: keys)
        } catch {
            exitWithMessage("proof fails: \(error.reason)", status: 1)
        }
        let manifest = proven.manifest
        var said = "proof holds: \(proven.envelope.type) \(proven.envelope.id) at \(RFC3339.format(microseconds: proven.envelope.time))"
        if let record = proven.record {
            said += ", \(record.method) \(record.route) -> \(record.status.map(String.init) ?? "no response") (\(record.outcome.name)), request id \(record.requestID), producer \(record.producer ?? "-") #\(record.sequence.map(String.init) ?? "-")"
        }
        said += "; line \(proven.lineNumber) of \(manifest.count) in \(manifest.segment.file) (topic \(manifest.topic), partition \(manifest.partition), offsets \(manifest.firstOffset)-\(manifest.lastOffset)), signed by key \(proven.keyID)"
        if let witnessedAt = proven.witnessedAt { said += ", witnessed \(witnessedAt)" }
        FileHandle.standardError.write(Data("\(said)\n".utf8))
        guard let body else { return }
        guard let record = proven.record else { exitWithMessage("--body: the proven envelope is a drop notice, not an exchange", status: 1) }
        record.writeBody(body)
    }
}
