import Foundation

/// A segment file found in a bucket: its key, its place in the layout and when it was written.
struct SegmentObject: Sendable {
    /// The key.
    var key: String
    /// The key relative to the archive root: `<topic>/dt=…/hour=…/<file>`.
    var relative: String
    /// The directory part of ``relative``.
    var directory: String
    /// The segment's name and which of its files this is.
    var name: SegmentFileName
    var kind: SegmentFileName.Kind
    var size: Int
    var lastModified: Date?

    /// The segment files under `location` (of `topic` only, when given), in key order. Keys
    /// outside the layout are skipped: exactly `<topic>/dt=…/hour=…/<file>`, the topic one the
    /// layout holds (no `.`, `..` or empty part) and the one the file name carries.
    static func list(_ client: S3Client, location: S3Location, topic: String?) async throws -> [SegmentObject] {
        let prefix = location.key(topic.map { "\($0)/dt=" } ?? "")
        return try await client.listAll(prefix: prefix).compactMap { object in
            guard let relative = location.relative(object.key) else { return nil }
            let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 4, ArchiveLayout.topicNameProblem(String(parts[0])) == nil, topic.map({ $0 == parts[0] }) ?? true,
                parts[1].hasPrefix("dt="), parts[2].hasPrefix("hour="),
                let (name, kind) = SegmentFileName.parse(String(parts[3])), name.topic == parts[0]
            else { return nil }
            return SegmentObject(
                key: object.key, relative: relative, directory: parts[0...2].joined(separator: "/"),
                name: name, kind: kind, size: object.size, lastModified: object.lastModified
            )
        }
    }
}
