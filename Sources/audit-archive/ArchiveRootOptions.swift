import ArgumentParser
import AuditArchive
import Foundation

extension S3Configuration.Addressing: ExpressibleByArgument {}

/// The archive a reading command reads: a directory, or an `s3://BUCKET/PREFIX` root whose
/// objects are streamed to a temporary directory first (bounded memory; disk for the archive),
/// read there, and removed afterwards (``LocalCopy``: messages name the `s3://` root).
struct ArchiveRootOptions: ParsableArguments {
    @Argument(help: "The archive root: a directory, or s3://BUCKET/PREFIX (credentials and region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION).")
    var root: String

    @Option(name: .long, help: "S3 endpoint for an s3:// root, http(s)://host[:port] (MinIO, Ceph, moto). Default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS's regional endpoint.")
    var s3Endpoint: String?

    @Option(name: .long, help: "How S3 requests name the bucket: path or virtual. Default: path with an endpoint given, virtual for AWS.")
    var s3Addressing: S3Configuration.Addressing?

    @Option(name: .long, help: "Where an s3:// archive is downloaded to be read (a temporary directory inside it, removed afterwards). Default: $TMPDIR or /tmp.")
    var downloadDir: String?

    /// Runs `body` with a local directory holding the archive.
    func withLocalRoot<Result>(_ body: (String) throws -> Result) async throws -> Result {
        guard S3Location.isObjectStore(root) else { return try body(root) }
        let parent = downloadDir ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        // A private directory (0700, a name nobody can guess before it exists).
        var template = Array("\(parent)/audit-archive-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp) }) else {
            exitWithMessage("cannot create a private directory in \(parent) for the copy of \(root): \(String(cString: strerror(errno)))")
        }
        let local = String(cString: created)
        LocalCopy.register(local, of: root)
        defer { LocalCopy.remove() }
        do {
            let location = try S3Location(root)
            let configuration = try S3Configuration(
                location: location, environment: ProcessInfo.processInfo.environment, endpoint: s3Endpoint, addressing: s3Addressing
            )
            _ = try await ArchiveMirror.download(S3Client(configuration: configuration), location: location, into: local)
        } catch {
            exitWithMessage(error.reason)
        }
        return try body(local)
    }
}
