import ArgumentParser
import AuditArchive
import AuditEnvelope

/// `audit-archive reconcile ROOT`.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Prove the archive complete per producer: sequence gaps explained by drop notices, lost, and duplicates.",
        discussion: """
            Every exchange carries its producer's id and a sequence number (1, 2, 3, … without
            holes), and whatever a producer drops it announces in a drop notice. For each producer
            this prints the numbers archived, the missing numbers a drop notice explains (with its
            reason), the missing numbers nothing explains (lost: a killed process, a lost topic
            partition, deleted segments), and exchanges archived more than once (a replay after a
            crash). Only segments whose bytes match their manifests (SHA-256 and size) are
            counted; with --public-key only those whose manifests carry a valid signature by one
            of the keys. A segment that fails is reported and not counted.

            Producers also publish marks (the highest number given so far) every --mark-interval
            and at shutdown: numbers above the highest archived exchange and up to the newest
            mark are LOST too (a deleted or truncated tail), a producer whose marks are archived
            but whose exchanges are not is listed, and the time of each producer's newest mark is
            printed (a producer that went silent shows an old one). Exchanges still on their way
            (queued, spooled, not yet archived) count as lost until they arrive.

            Drop notices and marks are believed as they are unless --producer-public-key is
            given: then only those signed by one of the keys (audit-producer
            --producer-signing-key) count, and the others are reported and refused (what they
            claim dropped counts as lost). Exits 1 when any number is lost, any notice or mark
            is refused, or anything could not be read or checked.
            """
    )

    @OptionGroup var archive: ArchiveRootOptions

    @Option(name: .long, help: "PEM Ed25519 public key whose signatures are accepted (repeatable); without one, signatures are not checked.")
    var publicKey: [String] = []

    @Option(name: .long, help: "PEM Ed25519 public key of producers (audit-producer --producer-signing-key) whose signed drop notices and marks are believed (repeatable); with one, unsigned or badly signed ones are refused.")
    var producerPublicKey: [String] = []

    func run() async throws {
        let keys = publicKey.map { ManifestPublicKey.option($0) }
        let producerKeys = producerPublicKey.map { ManifestPublicKey.option($0, name: "--producer-public-key") }
        let store = archive.store()
        let reconciliation = try await offThePool {
            try withArchiveErrors { try ArchiveReconciliation.compute(in: store, publicKeys: keys, producerKeys: producerKeys) }
        }
        archive.noteReads(of: store)
        for producer in reconciliation.producers {
            let mark = producer.newestMark.map { "newest mark \($0.highestSequence) at \(RFC3339.format(microseconds: $0.time)) (\(producer.marks) marks)" }
                ?? "no mark archived"
            print("producer \(producer.id): sequences 1-\(producer.highest), \(producer.archived) archived; \(mark)")
            if producer.archived == 0, producer.highest > 0 { print("  no exchange of this producer is archived: its marks say \(producer.highest) were given") }
            for gap in producer.explained { print("  dropped \(gap) (\(gap.count)): \(gap.reason ?? "")") }
            for gap in producer.unexplained { print("  LOST \(gap) (\(gap.count)): no exchange and no drop notice") }
            for duplicate in producer.duplicates { print("  duplicate \(duplicate.id): archived \(duplicate.count) times") }
        }
        if reconciliation.unsequenced > 0 {
            print("\(reconciliation.unsequenced) exchanges without a producer sequence (written before sequences existed)")
        }
        print("checked: \(reconciliation.segmentsChecked) segments against their manifests' SHA-256; "
            + (reconciliation.signaturesChecked ? "signatures verified with \(keys.map(\.keyID).joined(separator: ", "))" : "signatures not checked (give --public-key)")
            + (reconciliation.producerSignaturesChecked
                ? "; drop notices and marks signed by \(producerKeys.map(\.keyID).joined(separator: ", ")) believed, \(reconciliation.refusedEvents) refused"
                : "; drop notices and marks believed unsigned (give --producer-public-key)"))
        let lost = reconciliation.producers.reduce(Int64(0)) { $0.saturatingAdd($1.lost) }
        let problems = ProblemReporter()
        reconciliation.problems.forEach(problems.report)
        if lost > 0 {
            print("INCOMPLETE: \(lost) exchanges lost")
            throw ExitCode(1)
        }
        problems.exitIfAny()
        print("COMPLETE: every missing sequence number is explained by a drop notice")
    }
}
