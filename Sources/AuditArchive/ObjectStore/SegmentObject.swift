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

    /// Hands `body` each segment file under `location` (of `topic` only, when given, and of
    /// `partition` only, when given), in key order, as the listing's pages arrive: memory holds
    /// one page, whatever else the bucket holds. Keys outside the layout are skipped: exactly
    /// `<topic>/dt=…/hour=…/<file>`, the topic one the layout holds (no `.`, `..` or empty
    /// part) and the one the file name carries.
    static func forEach(
        _ client: S3Client, location: S3Location, topic: String?, partition: Int32? = nil,
        _ body: (SegmentObject) async throws -> Void
    ) async throws {
        let prefix = location.key(topic.map { "\($0)/dt=" } ?? "")
        try await client.forEachPage(prefix: prefix) { objects in
            for object in objects {
                guard let segment = parse(object, location: location, topic: topic),
                    partition.map({ $0 == segment.name.partition }) ?? true
                else { continue }
                try await body(segment)
            }
        }
    }

    /// The segment files ``forEach(_:location:topic:partition:_:)`` hands on, collected: memory
    /// holds those and one page of the listing.
    static func list(_ client: S3Client, location: S3Location, topic: String?, partition: Int32? = nil) async throws -> [SegmentObject] {
        var segments: [SegmentObject] = []
        try await forEach(client, location: location, topic: topic, partition: partition) { segments.append($0) }
        return segments
    }

    /// The listed object as a segment file (of `topic` only, when given), or `nil` when its key
    /// is outside the layout.
    static func parse(_ object: S3Client.Object, location: S3Location, topic: String?) -> SegmentObject? {
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
