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

extension S3Configuration {
    /// How requests name the bucket.
    public enum Addressing: String, Sendable, CaseIterable {
        /// `endpoint/bucket/key`: MinIO, Ceph and moto need it.
        case path
        /// `bucket.endpoint/key`: AWS's default.
        case virtual
    }

    /// The configuration for `location` from the standard AWS environment variables:
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (optional), or else the
    /// profile `AWS_PROFILE` (default `default`) of `AWS_SHARED_CREDENTIALS_FILE`; `AWS_REGION`
    /// or `AWS_DEFAULT_REGION` (default `us-east-1`), `AWS_ENDPOINT_URL_S3` or
    /// `AWS_ENDPOINT_URL` (default AWS's regional endpoint).
    /// - Parameters:
    ///   - endpoint: Overrides the endpoint variables (`--s3-endpoint`).
    ///   - addressing: Default: path style with an endpoint given, virtual-hosted for AWS's own.
    /// - Throws: ``ArchiveError`` (`objectStore`) naming the missing or invalid setting.
    public init(
        location: S3Location,
        environment: [String: String],
        endpoint: String? = nil,
        addressing: Addressing? = nil
    ) throws(ArchiveError) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let credentials: SigV4Signer.Credentials
        if let accessKey = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            credentials = .init(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        } else if let file = value("AWS_SHARED_CREDENTIALS_FILE") {
            credentials = try SharedCredentialsFile.credentials(atPath: file, profile: value("AWS_PROFILE") ?? "default")
        } else {
            throw ArchiveError(.objectStore, "\(location) needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or AWS_SHARED_CREDENTIALS_FILE (and AWS_PROFILE)")
        }
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        let custom = endpoint.flatMap { $0.isEmpty ? nil : $0 } ?? value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL")
        let address = custom ?? "https://s3.\(region).amazonaws.com"
        guard let url = URL(string: address), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false,
            url.path.isEmpty || url.path == "/", url.query == nil
        else {
            throw ArchiveError(.objectStore, "S3 endpoint '\(address)' is not http(s)://host[:port]")
        }
        self.init(
            endpoint: url,
            bucket: location.bucket,
            region: region,
            credentials: credentials,
            pathStyle: (addressing ?? (custom == nil ? .virtual : .path)) == .path
        )
    }
}
