import AuditArchive
import Foundation
import Testing

/// An `s3://` archive root in a moto bucket, for consumer and `audit-archive` tests: the
/// credentials, flags and a way to read what the bucket holds.
struct S3ArchiveRoot {
    let moto: MotoServer
    let prefix: String

    init(moto: MotoServer, prefix: String = "archive-\(UUID().uuidString.prefix(8))") {
        self.moto = moto
        self.prefix = prefix
    }

    /// The root as the consumer and the CLI take it.
    var url: String { "s3://\(moto.bucket)/\(prefix)" }

    /// The standard AWS variables (moto accepts any credentials).
    var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1"]
    }

    /// `audit-consumer` flags for this root, with a staging directory of its own (each member
    /// has its own, as each pod would) and a short orphan grace.
    func consumerArguments(staging: String) -> [String] {
        ["--s3-endpoint", moto.url, "--staging-dir", staging, "--s3-orphan-grace", "2"]
    }

    /// `audit-archive` flags for this root.
    var cliArguments: [String] { ["--s3-endpoint", moto.url] }

    /// A client of the bucket.
    func client() throws -> S3Client {
        S3Client(configuration: try S3Configuration(location: S3Location(url), environment: environment, endpoint: moto.url))
    }

    /// The root as a library writer takes it.
    func objectStore(staging: String) throws -> ObjectStoreRoot {
        var root = ObjectStoreRoot(location: try S3Location(url), client: try client(), stagingDirectory: staging)
        root.orphanGrace = .seconds(2)
        return root
    }

    /// The bucket's archive as the readers take it.
    func store() throws -> ObjectArchiveStore {
        ObjectArchiveStore(location: try S3Location(url), client: try client())
    }

    /// The bucket's archive verified in place, off the cooperative pool (the reads block).
    func verify() async throws -> VerificationReport {
        let store = try store()
        return try await ObjectStoreArchiveTests.offPool { try ArchiveVerifier.verify(in: store) }
    }

    /// The exchange ids in the bucket's archive, in archive order (duplicates kept).
    func archivedIDs() async throws -> [String] {
        let store = try store()
        return try await ObjectStoreArchiveTests.offPool {
            var ids: [String] = []
            try ArchiveQuery.forEach(in: store, filter: ExchangeFilter(), onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
                ids.append(exchange.envelope.id)
                return .proceed
            }
            return ids
        }
    }

    /// Waits until the bucket's archive holds at least `count` envelopes.
    /// - Returns: What it holds then, or at the deadline (the caller checks the count).
    func waitForArchive(count: Int, timeout: Duration) async throws -> [String] {
        var ids: [String] = []
        do {
            try await Waiting.until("\(count) envelopes in \(url)", timeout: timeout, interval: .seconds(1)) {
                ids = try await archivedIDs()
                return ids.count >= count
            }
        } catch is Waiting.TimedOut {}
        return ids
    }

    /// What every bucket test checks at the end: each of `expected` archived exactly once, no
    /// partition with two manifests for one start offset (a forked chain), and `audit-archive
    /// verify` over the bucket passing.
    func expectExactlyOnceChains(expected: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (duplicates, missing) = ConsumerArchiveTests.compare(archived: try await archivedIDs(), expected: expected)
        #expect(duplicates.isEmpty, "duplicated: \(duplicates.prefix(5))", sourceLocation: sourceLocation)
        #expect(missing.isEmpty, "missing: \(missing.prefix(5))", sourceLocation: sourceLocation)
        let names = try await manifestKeys().compactMap { SegmentFileName.parse(String($0.split(separator: "/").last ?? ""))?.name }
        #expect(Set(names).count == names.count, "a partition has two manifests for one start offset: a forked chain", sourceLocation: sourceLocation)
        let verify = try await ArchiveHarness.cli(["verify", url] + cliArguments, environment: environment)
        #expect(verify.status == 0, "\(String(decoding: verify.standardOutput, as: UTF8.self))\(verify.standardError)", sourceLocation: sourceLocation)
    }

    /// The manifest keys of each partition, by start offset.
    func manifestKeys() async throws -> [String] {
        try await keys().filter { $0.hasSuffix(SegmentFileName.Kind.manifest.rawValue) }
    }

    /// Every key under the archive's prefix, in key order.
    func keys() async throws -> [String] {
        var keys: [String] = []
        try await client().forEachPage(prefix: "\(prefix)/") { keys += $0.map(\.key) }
        return keys
    }
}
