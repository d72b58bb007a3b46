import ArgumentParser

/// `audit-archive`: command-line access to archives written by `audit-consumer`.
@main
struct AuditArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-archive",
        abstract: "Verify, search and read AuditShipper archives.",
        discussion: """
            ROOT is the archive directory audit-consumer writes (--archive-dir), holding
            <topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<startOffset>.jsonl.gz segments and
            their manifests. Segments are gzip JSON lines, also readable with `zcat FILE | jq`.
            Exit status: 0 success, 1 a check failed or nothing matched, 2 bad usage or an
            unreadable archive.
            """,
        subcommands: [VerifyCommand.self, CatCommand.self, BodyCommand.self, ProveCommand.self, CheckProofCommand.self, StatsCommand.self, ReconcileCommand.self, KeygenCommand.self]
    )
}
