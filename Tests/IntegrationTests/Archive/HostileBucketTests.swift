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

    @Test("keys and common prefixes whose parts are '..', '.' or empty are not read: nothing outside the root is asked for")
    func traversal() async throws {
        let (url, process) = try await Self.endpoint("traversal")
        let outcome = try await ArchiveHarness.cli(["verify", "s3://bucket/prefix", "--s3-endpoint", url], environment: Self.credentials)
        _ = await process.kill()
        #expect(outcome.status != -1, "audit-archive ended: \(outcome.standardError)")
        #expect(process.log.contains("list-type=2"), "the endpoint was asked for its listing")
        #expect(process.log.contains("delimiter=%2F"), "the root was listed one level at a time: \(process.log)")
        for part in ["/../", "/./", "//"] {
            #expect(!process.log.contains("GET /bucket/prefix\(part)"), "nothing under '\(part)' was fetched: \(process.log)")
            #expect(!process.log.contains("prefix=prefix\(part.replacingOccurrences(of: "/", with: "%2F"))"), "'\(part)' was never listed: \(process.log)")
        }
        #expect(String(decoding: outcome.standardOutput, as: UTF8.self).contains("0 segments"), "\(outcome.standardError)")
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
