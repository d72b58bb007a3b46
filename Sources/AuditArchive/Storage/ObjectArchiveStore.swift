import NIOCore

/// An archive in an S3 bucket read through ``ArchiveStore``: a directory is a `ListObjectsV2`
/// with delimiter `/` (its common prefixes and objects), an object is read with ranged `GET`s
/// of at most ``chunkBytes``, so neither memory nor local disk ever holds more than one chunk
/// of it, and a lookup of one member reads that member's bytes only.
///
/// Only names the layout can hold are handed on: a key whose part below the directory is
/// empty, `.` or `..`, or holds a `/`, is not an entry.
public struct ObjectArchiveStore: ArchiveStore {
    /// The bucket and prefix.
    public let location: S3Location
    /// The client.
    public let client: S3Client
    public var root: String { location.description }

    /// Bytes per ranged `GET` when an object is streamed.
    public static let chunkBytes = 8 * 1024 * 1024

    /// Reads the archive at `location` through `client`.
    public init(location: S3Location, client: S3Client) {
        self.location = location
        self.client = client
    }

    public func list(_ directory: String) throws(ArchiveError) -> [ArchiveStoreEntry] {
        // The root's keys start with the location's prefix and a slash (none without a prefix).
        let listingPrefix = directory.isEmpty ? location.key("") : location.key(directory) + "/"
        let client = client
        let url = location.url(directory)
        let entries = try BlockingCall.objectStore("LIST \(url)") {
            var entries: [ArchiveStoreEntry] = []
            try await client.forEachPage(prefix: listingPrefix, delimiter: "/") { page in
                for common in page.prefixes {
                    guard let name = Self.name(common.dropFirst(listingPrefix.count).dropLast()) else { continue }
                    entries.append(ArchiveStoreEntry(name: name, kind: .directory))
                }
                for object in page.objects {
                    guard object.key.hasPrefix(listingPrefix), let name = Self.name(object.key.dropFirst(listingPrefix.count)) else { continue }
                    entries.append(ArchiveStoreEntry(name: name, kind: .file(size: max(0, object.size))))
                }
            }
            return entries
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// `part` as a name within a directory, or `nil` when the layout cannot hold it.
    private static func name(_ part: Substring) -> String? {
        guard !part.isEmpty, part != ".", part != "..", !part.contains("/") else { return nil }
        return String(part)
    }

    public func size(_ path: String) throws(ArchiveError) -> Int? {
        let client = client
        let key = location.key(path)
        return try BlockingCall.objectStore("HEAD \(location.url(path))") { try await client.head(key) }?.size
    }

    public func read(_ path: String, maxBytes: Int) throws(ArchiveError) -> ByteBuffer? {
        let client = client
        let key = location.key(path)
        return try BlockingCall.objectStore("GET \(location.url(path))") { try await client.get(key, maximumBytes: maxBytes) }
    }

    public func forEachChunk(_ path: String, range: Range<Int>?, _ body: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws(ArchiveError) {
        let whole: Range<Int>
        if let range {
            whole = range
        } else {
            guard let size = try size(path) else { throw ArchiveError(.io, "\(location.url(path)): no such object") }
            whole = 0..<size
        }
        let client = client
        let key = location.key(path)
        var start = whole.lowerBound
        while start < whole.upperBound {
            let piece = start..<min(whole.upperBound, start + Self.chunkBytes)
            guard let bytes = try BlockingCall.objectStore("GET \(location.url(path)) bytes \(piece.lowerBound)-\(piece.upperBound - 1)", {
                try await client.get(key, range: piece, maximumBytes: piece.count)
            }) else {
                throw ArchiveError(.io, "\(location.url(path)): no such object")
            }
            guard bytes.readableBytes > 0 else { return }
            try bytes.withUnsafeReadableBytes { chunk throws(ArchiveError) in try body(chunk) }
            start += bytes.readableBytes
        }
    }

}
