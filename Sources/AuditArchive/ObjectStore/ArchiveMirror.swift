/// Brings an archive in a bucket to a local directory so that the archive's readers (verify,
/// queries, statistics, reconciliation) read it as they read a directory: the layout's objects
/// only (not head, lock or staging objects), each streamed to its file, so memory stays bounded
/// whatever the objects' sizes. The directory needs room for the archive (or for the topic's
/// part of it).
public enum ArchiveMirror {
    /// The largest object downloaded: 5 GiB, the most one `PUT` uploads, which is how the
    /// consumer writes every object.
    public static let maximumObjectBytes = 5 * 1024 * 1024 * 1024

    /// What a download brought.
    public struct Summary: Sendable {
        /// Objects downloaded.
        public var objects = 0
        /// Their bytes.
        public var bytes = 0
    }

    /// Downloads the segment, dead-letter and manifest objects under `location` (of `topic` only,
    /// when given) into `directory`, keeping their paths relative to the root.
    /// - Throws: ``ArchiveError`` (`objectStore` naming the object, or `io` for the local file).
    public static func download(
        _ client: S3Client,
        location: S3Location,
        topic: String? = nil,
        into directory: String
    ) async throws(ArchiveError) -> Summary {
        var summary = Summary()
        do {
            // Each object is downloaded as its page of the listing arrives: memory holds one
            // page, however many objects the bucket has.
            try await SegmentObject.forEach(client, location: location, topic: topic) { object in
                if let bytes = try await fetch(object, client: client, location: location, into: directory) {
                    summary.objects += 1
                    summary.bytes += bytes
                }
            }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError(.objectStore, "LIST \(location): \(error)")
        }
        return summary
    }

    /// Streams one object to its file under `directory`.
    /// - Returns: Its bytes, or `nil` when it was deleted between listing and download (as a file
    ///   removed from a directory would be: verify reports what it misses).
    private static func fetch(_ object: SegmentObject, client: S3Client, location: S3Location, into directory: String) async throws(ArchiveError) -> Int? {
        let local = "\(directory)/\(object.directory)"
        try ArchiveFile.makeDirectory(local)
        do {
            return try await client.download(object.key, to: "\(local)/\(object.name.fileName(object.kind))", maximumBytes: maximumObjectBytes)
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError(.objectStore, "GET \(location.url(object.relative)): \(error)")
        }
    }
}
