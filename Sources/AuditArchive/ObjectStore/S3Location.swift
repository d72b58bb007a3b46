/// An `s3://BUCKET/PREFIX` archive root: the bucket and the key prefix under which the archive's
/// layout starts (empty for the bucket's top).
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    /// The bucket.
    public var bucket: String
    /// The key prefix, without leading or trailing `/`; empty for the bucket's top.
    public var prefix: String

    /// Whether `root` names an object store (`s3://…`) rather than a directory.
    public static func isObjectStore(_ root: String) -> Bool { root.hasPrefix("s3://") }

    /// Parses `s3://BUCKET[/PREFIX]`.
    /// - Throws: ``ArchiveError`` (`missingRoot`) naming what is wrong: no bucket, a bucket name S3
    ///   does not allow, or a prefix with empty, `.` or `..` segments.
    public init(_ root: String) throws(ArchiveError) {
        guard Self.isObjectStore(root) else {
            throw ArchiveError(.missingRoot, "\(root) is not an s3://BUCKET/PREFIX location")
        }
        let rest = root.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let allowed = bucket.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
        guard (3...63).contains(bucket.utf8.count), allowed, bucket.first != "-", bucket.first != "." else {
            throw ArchiveError(.missingRoot, "\(root): '\(bucket)' is not a valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens)")
        }
        var prefix = rest.dropFirst(bucket.count)
        while prefix.hasPrefix("/") { prefix = prefix.dropFirst() }
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        let segments = prefix.split(separator: "/", omittingEmptySubsequences: false)
        guard prefix.isEmpty || segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw ArchiveError(.missingRoot, "\(root): the prefix '\(prefix)' has empty, '.' or '..' parts")
        }
        self.bucket = bucket
        self.prefix = String(prefix)
    }

    /// The key of `relative` (a path relative to the archive root).
    public func key(_ relative: String) -> String { prefix.isEmpty ? relative : "\(prefix)/\(relative)" }

    /// `key` relative to the archive root, or `nil` when it is not under the prefix.
    public func relative(_ key: String) -> String? {
        guard !prefix.isEmpty else { return key }
        guard key.hasPrefix(prefix + "/") else { return nil }
        return String(key.dropFirst(prefix.count + 1))
    }

    /// The URL of `relative`, for messages and manifests' locations.
    public func url(_ relative: String) -> String { "s3://\(bucket)/\(key(relative))" }

    public var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }
}
