import Foundation
import Testing

/// The archive read where it lies by an existing SQL engine: DuckDB over the hive-partitioned
/// JSON lines, through the view the README gives (`sql/exchanges.duckdb.sql`).
@Suite("SQL over the archive in place")
struct SQLInPlaceTests {
    /// The table `stats` prints under `title` (`route` or `status`): key to exchanges.
    static func table(_ title: String, in output: String) -> [String: Int] {
        var rows: [String: Int] = [:]
        var inTable = false
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\(title)\texchanges") {
                inTable = true
            } else if inTable {
                let fields = line.split(separator: "\t")
                guard fields.count >= 2, let count = Int(fields[1]) else { break }
                rows[String(fields[0])] = count
            }
        }
        return rows
    }

    @Test("DuckDB's counts by route and by status over a synthetic archive of three hours and three partitions equal audit-archive stats', and its view reads the response bodies' fields")
    func duckDBCountsEqualStats() async throws {
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let written = try await ProcessRunner.outcome([
            try ServiceProcess.binary("audit-archive-synth"), root, "--exchanges", "600", "--partitions", "3",
            "--spacing-ms", "20000", "--body-bytes", "1500", "--segment-records", "50", "--seed", "4",
        ], timeout: .seconds(120))
        #expect(written.status == 0, "\(written.standardError)")

        let stats = try await ArchiveHarness.cli(["stats", root])
        #expect(stats.status == 0, "\(stats.standardError)")
        let output = String(decoding: stats.standardOutput, as: UTF8.self)
        let routes = Self.table("route", in: output)
        let statuses = Self.table("status", in: output)
        // The synthetic mix has every route and several statuses, so a wrong grouping shows.
        #expect(routes.count == 5 && statuses.count >= 4, "\(output)")

        let sql = try await ProcessRunner.outcome([
            ProjectPaths.python, ProjectPaths.fixture("duckdb_counts.py"), root, "\(ProjectPaths.root)/sql/exchanges.duckdb.sql",
        ], timeout: .seconds(120))
        #expect(sql.status == 0, "\(sql.standardError)")
        struct Counts: Decodable {
            var total: Int
            var route: [String: Int]
            var status: [String: Int]
            var bodies: Int
        }
        let counts = try JSONDecoder().decode(Counts.self, from: sql.standardOutput)
        #expect(counts.total == 600)
        #expect(counts.route == routes)
        #expect(counts.status == statuses)
        // Every exchange with a response head has a response body in the synthetic mix.
        #expect(counts.bodies == 600 - (statuses["none"] ?? 0))
    }
}
