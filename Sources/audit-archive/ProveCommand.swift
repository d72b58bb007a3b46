import ArgumentParser
import AuditArchive
import AuditEnvelope
import Foundation

/// `audit-archive prove ROOT --id ID|--request-id ID --out FILE`.
struct ProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Write an evidence bundle: one exchange with the proof that it is in the signed archive, nothing else.",
        discussion: """
            The bundle (JSON, schemas/evidence-bundle-v1.schema.json) holds the exchange's
            envelope line as archived, its RFC 9162 audit path to the Merkle root of its segment
            (about log2(n) hashes for n exchanges), and the segment's signed manifest, which
            records that root: no other exchange, and nothing of one. Whoever holds the consumer's
            public key checks it offline with `audit-archive check-proof` or the steps in README
            "Evidence bundles". Redacted values stay redacted; the bundle lists what was
            redacted. With --witness, the checkpoint audit-consumer published when the segment
            became durable is added, and there must be one.

            Only the segment's manifest and index, and the member that holds the exchange, are
            read (a segment indexed before leaf hashes is read whole). Exits 1 when the exchange
            is not found or ambiguous, or when its segment cannot back a proof: an unsigned
            manifest, a manifest without a Merkle root (written before roots), or an archive that
            disagrees with itself (run verify).
            """
    )

    @OptionGroup var archive: ArchiveRootOptions

    @OptionGroup var lookup: ExchangeLookupOptions

    @Option(help: "Where to write the bundle (refused if it exists).")
    var out: String

    @Option(name: .long, help: "PEM Ed25519 public key: check the bundle with it before writing it (repeatable).")
    var publicKey: [String] = []

    @OptionGroup var witness: WitnessOptions

    func run() async throws {
        let keys = publicKey.map { ManifestPublicKey.option($0) }
        guard !FileManager.default.fileExists(atPath: out) else { exitWithMessage("--out \(out): exists; not overwritten") }
        let checkpoints = await witness.read(clientID: "audit-archive-prove")?.checkpoints
        let exchange = try await lookup.find(in: archive)
        let store = archive.store()
        let topic = witness.checkpointTopic
        let bundle: EvidenceBundle
        do {
            bundle = try await offThePool {
                try EvidenceBundle.make(
                    for: exchange, in: store, checkpoints: checkpoints, witnessTopic: topic,
                    createdAt: RFC3339.format(microseconds: WallClock.microseconds()), createdBy: "audit-archive"
                )
            }
        } catch let error as ArchiveError {
            exitWithMessage(error.reason, status: error.code == .noEvidence ? 1 : 2)
        }
        if !keys.isEmpty {
            do throws(ArchiveError) {
                _ = try bundle.check(keys: keys)
            } catch {
                exitWithMessage("the bundle does not check out with --public-key: \(error.reason)", status: 1)
            }
        }
        do {
            try bundle.encoded().write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
        } catch {
            exitWithMessage("--out \(out): cannot be written (\(error.localizedDescription))")
        }
        let record = exchange.record
        print("wrote \(out): exchange \(exchange.envelope.id) (request id \(record?.requestID ?? "-")), line \(bundle.leafIndex + 1) of \(bundle.treeSize) in \(exchange.segmentPath), \(bundle.auditPath.count) hashes, key \(bundle.manifest.signature.keyID)\(bundle.witness.map { ", witnessed \($0.checkpoint.createdAt)" } ?? "")")
        if !bundle.redactions.isEmpty { print("redacted at capture, not in the bundle: \(bundle.redactions.joined(separator: ", "))") }
    }
}
