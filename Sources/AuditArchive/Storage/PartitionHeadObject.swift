import Logging
import NIOCore

/// Where a partition's newest manifest is in a bucket, so that taking the partition reads one
/// small object instead of listing the topic: `<prefix>/<topic>/.heads/<topic>+<partition>.json`,
/// the directory's head file (``PartitionHeadFile``, same content) as an object. Before a
/// segment's objects are uploaded it names the segment as `pending`; after its manifest, as the
/// head.
///
/// A hint, never trusted: it must name a manifest of this topic and partition in the layout, and
/// that manifest passes the same checks as a listed head. When the object is missing,
/// unreadable, names something else or still names a pending segment (a writer stopped
/// mid-publish), the store lists the topic. A hint left stale otherwise (an older manifest named
/// by whoever else can write the bucket, or a zombie writer's late update) makes the next publish
/// collide with the segment already there: the conflict check refuses it as it refuses any other
/// writer's, the store removes the hint, and the take that follows lists.
struct PartitionHeadObject {
    /// The object's key relative to the archive root.
    let relative: String
    private let topic: String
    private let partition: Int32

    init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
        relative = "\(topic)/.heads/\(topic)+\(partition).json"
    }

    /// The manifest the object names, when it names one of this partition's manifests in the
    /// layout; `nil` when there is no object, it cannot be read or it names anything else (the
    /// caller lists).
    func manifest(in root: ObjectStoreRoot, logger: Logger) -> SegmentObject? {
        let client = root.client
        let key = root.location.key(relative)
        let bytes: ByteBuffer?
        do {
            bytes = try BlockingCall.objectStore("GET \(root.location.url(relative))") {
                try await client.get(key, maximumBytes: PartitionHeadFile.maximumBytes)
            }
        } catch {
            // Listing reports a bucket that cannot be read at all; this one object is only a hint.
            logger.warning("the partition's head object cannot be read; listing the topic", metadata: [
                "object": "\(root.location.url(relative))", "error": "\(error)",
            ])
            return nil
        }
        guard let bytes else { return nil }
        let content = PartitionHeadFile.Content.decode(bytes)
        if let pending = content?.pending {
            logger.notice("the partition's head object names a segment whose publish was interrupted; listing the topic", metadata: [
                "object": "\(root.location.url(relative))", "pending": "\(pending)",
            ])
            return nil
        }
        guard let named = content?.manifest,
            let object = SegmentObject.parse(.init(key: root.location.key("\(topic)/\(named)"), size: 0, lastModified: nil), location: root.location, topic: topic),
            object.kind == .manifest, object.name.partition == partition
        else {
            logger.warning("the partition's head object does not name one of its manifests; listing the topic", metadata: [
                "object": "\(root.location.url(relative))",
            ])
            return nil
        }
        return object
    }

    /// Replaces the object with one naming `manifest` as the head and `pending` as the segment
    /// being published (both keys relative to the archive root; `pending` without a suffix).
    /// - Throws: ``ArchiveError`` when the bucket refuses the upload.
    func write(manifest: String?, pending: String? = nil, in root: ObjectStoreRoot) throws(ArchiveError) {
        let inTopic = { (relative: String) in String(relative.dropFirst(topic.count + 1)) }
        let content = PartitionHeadFile.Content(manifest: manifest.map(inTopic), pending: pending.map(inTopic))
        let client = root.client
        let key = root.location.key(relative)
        _ = try BlockingCall.objectStore("PUT \(root.location.url(relative))") { try await client.put(key, body: content.encoded) }
    }

    /// Removes the object (the next take lists the topic).
    /// - Throws: ``ArchiveError`` when the bucket refuses the deletion.
    func remove(in root: ObjectStoreRoot) throws(ArchiveError) {
        let client = root.client
        let key = root.location.key(relative)
        try BlockingCall.objectStore("DELETE \(root.location.url(relative))") { try await client.delete(key) }
    }
}
