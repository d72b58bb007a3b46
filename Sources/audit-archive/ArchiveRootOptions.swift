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

    /// The store the archive is read through; exits 2 with the reason when an `s3://` root or
    /// its settings are unusable.
    func store() -> any ArchiveStore {
        guard S3Location.isObjectStore(root) else { return DirectoryArchiveStore(root: root) }
        do {
            let location = try S3Location(root)
            let configuration = try S3Configuration(
                location: location, environment: ProcessInfo.processInfo.environment, endpoint: s3Endpoint, addressing: s3Addressing
            )
            return ObjectArchiveStore(location: location, client: S3Client(configuration: configuration))
        } catch {
            exitWithMessage(error.reason)
        }
    }
}
