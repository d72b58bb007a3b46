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
        let objects: [SegmentObject]
        do {
            objects = try await SegmentObject.list(client, location: location, topic: topic)
        } catch {
            throw ArchiveError(.objectStore, "LIST \(location): \(error)")
        }
        for object in objects {
            let local = "\(directory)/\(object.directory)"
            try ArchiveFile.makeDirectory(local)
            let bytes: Int?
            do {
                bytes = try await client.download(object.key, to: "\(local)/\(object.name.fileName(object.kind))", maximumBytes: maximumObjectBytes)
            } catch let error as ArchiveError {
                throw error
            } catch {
                throw ArchiveError(.objectStore, "GET \(location.url(object.relative)): \(error)")
            }
            // An object deleted between listing and download is simply not there (as a file
            // removed from a directory would be); verify reports what it misses.
            guard let bytes else { continue }
            summary.objects += 1
            summary.bytes += bytes
        }
        return summary
    }
}
