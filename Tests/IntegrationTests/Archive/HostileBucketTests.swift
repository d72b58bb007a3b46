import Foundation
import Testing

/// `audit-archive` reading an `s3://` root from an endpoint that lies (`Fixtures/hostile_s3.py`):
/// keys that would climb out of the reader's copy, and listings that never end.
@Suite("A hostile bucket against audit-archive", .serialized, .fixtures)
struct HostileBucketTests {
    static let credentials = ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1"]

    /// Starts the endpoint in `mode` and returns its URL and process.
    static func endpoint(_ mode: String) async throws -> (url: String, process: FixtureProcess) {
        let (port, process) = try await PortFileFixture.start("hostile_s3.py", arguments: [mode], name: "hostile-s3-\(mode)")
        return ("http://127.0.0.1:\(port)", process)
    }

    @Test("a key whose topic part is '..' writes nothing outside the reader's private copy, and nothing stays behind")
    func traversal() async throws {
        let (url, process) = try await Self.endpoint("traversal")
        let downloads = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-downloads-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: downloads) }
        // Where the '..' key would land one level above the copy: a link to a file that must stay.
        let victim = downloads + "-victim"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
        defer { try? FileManager.default.removeItem(atPath: victim) }
        try FileManager.default.createDirectory(atPath: "\(downloads)/dt=2026-12-02/hour=10", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(downloads)/dt=2026-12-02/hour=10/..+0+00000000000000000000.jsonl.gz", withDestinationPath: victim)
        let outcome = try await ArchiveHarness.cli(["verify", "s3://bucket/prefix", "--s3-endpoint", url, "--download-dir", downloads], environment: Self.credentials)
        _ = await process.kill()
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep", "nothing was written through the planted link")
        let left = try FileManager.default.subpathsOfDirectory(atPath: downloads).filter { !$0.hasPrefix("dt=") }
        #expect(left.isEmpty, "the private copy is removed and nothing else was created: \(left)")
        #expect(outcome.status != -1, "audit-archive ended: \(outcome.standardError)")
        #expect(process.log.contains("list-type=2"), "the endpoint was asked for its listing")
        #expect(!process.log.contains("GET /bucket/prefix/../"), "the '..' key was never fetched: \(process.log)")
    }

    @Test("listings that never end are errors within a bound, not hangs", arguments: ["same-token", "empty-pages", "no-token"])
    func endlessListing(_ mode: String) async throws {
        let (url, process) = try await Self.endpoint(mode)
        let start = ContinuousClock.now
        let outcome = try await ProcessRunner.outcome(
            [try ServiceProcess.binary("audit-archive"), "verify", "s3://bucket/prefix", "--s3-endpoint", url],
            environment: Self.credentials, timeout: .seconds(60))
        _ = await process.kill()
        #expect(outcome.status == 2, "\(mode): exit \(outcome.status): \(outcome.standardError)")
        #expect(outcome.standardError.contains("LIST"), "\(mode): \(outcome.standardError)")
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test("a listing of more than a million keys outside the layout is read page by page, not refused")
    func junkKeys() async throws {
        let (url, process) = try await Self.endpoint("junk")
        let outcome = try await ProcessRunner.outcome(
            [try ServiceProcess.binary("audit-archive"), "verify", "s3://bucket/prefix", "--s3-endpoint", url],
            environment: Self.credentials, timeout: .seconds(300))
        _ = await process.kill()
        #expect(!outcome.standardError.contains("LIST"), "the listing was read to its end: \(outcome.standardError)")
        let output = String(decoding: outcome.standardOutput, as: UTF8.self)
        #expect(output.contains("0 segments"), "exit \(outcome.status): \(output) \(outcome.standardError)")
        #expect(process.log.components(separatedBy: "list-type=2").count - 1 == 1001, "every page was asked for")
    }
}
