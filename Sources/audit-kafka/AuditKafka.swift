import ArgumentParser

/// `audit-kafka`: checks a Kafka cluster with the project's own client.
@main
struct AuditKafka: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-kafka",
        abstract: "Check a Kafka cluster with AuditShipper's Kafka client.",
        discussion: """
            smoke         produce records with headers, read them back through a consumer group and
                          compare every byte.
            produce-perf  measure produce throughput (records/s and MB/s) of acknowledged records.

            Run it through scripts/run or with LD_LIBRARY_PATH set by scripts/lib/env.sh, so that a
            librdkafka >= 2.2 is loaded.
            """,
        subcommands: [SmokeCommand.self, ProducePerfCommand.self]
    )
}
