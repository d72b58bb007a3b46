import Foundation

/// Where a bucket is and how to sign for it.
public struct S3Configuration: Sendable {
    /// The service endpoint, `http(s)://host[:port]`: AWS's regional endpoint, or MinIO, Ceph or
    /// moto's address.
    public var endpoint: URL
    public var bucket: String
    public var region: String
    public var credentials: SigV4Signer.Credentials
    /// Path-style addressing (`endpoint/bucket/key`), which MinIO, Ceph and moto need; otherwise
    /// virtual-hosted style (`bucket.endpoint/key`).
    public var pathStyle: Bool

    public init(endpoint: URL, bucket: String, region: String, credentials: SigV4Signer.Credentials, pathStyle: Bool) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.credentials = credentials
        self.pathStyle = pathStyle
    }

    /// The host (with port) requests go to.
    var host: String {
        let name = endpoint.host ?? "localhost"
        let base = pathStyle ? name : "\(bucket).\(name)"
        return endpoint.port.map { "\(base):\($0)" } ?? base
    }

    /// The decoded path of `key` (or of the bucket, for `nil`).
    func path(for key: String?) -> String {
        let keyPath = key.map { "/\($0)" } ?? "/"
        return pathStyle ? "/\(bucket)" + (key == nil ? "" : keyPath) : keyPath
    }
}
