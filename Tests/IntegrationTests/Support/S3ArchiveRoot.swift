import AuditArchive
import Foundation

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

    /// Downloads the archive into a new local directory, which the caller removes.
    func mirror() async throws -> String {
        let local = ArchiveHarness.temporaryRoot()
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        _ = try await ArchiveMirror.download(try client(), location: try S3Location(url), into: local)
        return local
    }

    /// The exchange ids in the bucket's archive, in archive order (duplicates kept).
    func archivedIDs() async throws -> [String] {
        let local = try await mirror()
        defer { try? FileManager.default.removeItem(atPath: local) }
        return try ArchiveHarness.archivedIDs(root: local)
    }

    /// Waits until the bucket's archive holds at least `count` envelopes.
    func waitForArchive(count: Int, timeout: Duration) async throws -> [String] {
        let deadline = ContinuousClock.now + timeout
        var ids: [String] = []
        while ContinuousClock.now < deadline {
            ids = try await archivedIDs()
            if ids.count >= count { return ids }
            try await Task.sleep(for: .seconds(1))
        }
        return ids
    }

    /// The manifest keys of each partition, by start offset.
    func manifestKeys() async throws -> [String] {
        try await client().listAll(prefix: "\(prefix)/").map(\.key).filter { $0.hasSuffix(SegmentFileName.Kind.manifest.rawValue) }
    }
}
