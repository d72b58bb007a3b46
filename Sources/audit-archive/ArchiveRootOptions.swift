import ArgumentParser
import AuditArchive
import Foundation

extension S3Configuration.Addressing: ExpressibleByArgument {}

/// The archive a reading command reads: a directory, or an `s3://BUCKET/PREFIX` root read in
/// place, one listing, object or byte range at a time (``ObjectArchiveStore``).
struct ArchiveRootOptions: ParsableArguments {
    @Argument(help: "The archive root: a directory, or s3://BUCKET/PREFIX (credentials and region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION).")
    var root: String

    @Option(name: .long, help: "S3 endpoint for an s3:// root, http(s)://host[:port] (MinIO, Ceph, moto). Default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS's regional endpoint.")
    var s3Endpoint: String?

    @Option(name: .long, help: "How S3 requests name the bucket: path or virtual. Default: path with an endpoint given, virtual for AWS.")
    var s3Addressing: S3Configuration.Addressing?

    @Flag(name: .long, help: "At the end, say on standard error how many directories were listed and how many objects or byte ranges (and bytes) were read.")
    var reads = false

    /// The store the archive is read through, counting what it reads; exits 2 with the reason
    /// when an `s3://` root or its settings are unusable.
    func store() -> CountingArchiveStore {
        guard S3Location.isObjectStore(root) else { return CountingArchiveStore(DirectoryArchiveStore(root: root)) }
        do {
            let location = try S3Location(root)
            let configuration = try S3Configuration(
                location: location, environment: ProcessInfo.processInfo.environment, endpoint: s3Endpoint, addressing: s3Addressing
            )
            return CountingArchiveStore(ObjectArchiveStore(location: location, client: S3Client(configuration: configuration)))
        } catch {
            exitWithMessage(error.reason)
        }
    }

    /// With `--reads`, says what `store` listed and read.
    func noteReads(of store: CountingArchiveStore) {
        guard reads else { return }
        let counts = store.counts
        FileHandle.standardError.write(Data("audit-archive: listed \(counts.listings) directories, read \(counts.reads) objects or ranges, \(counts.bytes) bytes\n".utf8))
    }
}
