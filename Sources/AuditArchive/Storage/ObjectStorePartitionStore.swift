import Foundation
import Logging
import NIOCore

/// A partition's segments in an S3 bucket, with no lock: the conditional write is the guard.
///
/// Publishing uploads the segment and dead-letter objects, each only if its key is new, then the
/// manifest, only if its key is new (`If-None-Match: *`). A key that exists with the same bytes
/// (our own retried upload) is accepted; with other bytes, or a manifest already there, it
/// throws `conflict`: another writer published that name first, nothing was overwritten, and
/// the caller re-reads the head. One chain per partition, whichever member writes it: two writers
/// resuming from the same head name their next segment alike, since its `dt=`/`hour=` directory
/// comes from its records (their event time, else their Kafka timestamp), not from the writer's
/// clock.
///
/// Taking the partition reads its head object (``PartitionHeadObject``, rewritten after each
/// publish) and the manifest it names: two small reads, however much the bucket holds. Without a
/// usable head object it lists the topic's objects: the head is the partition's newest manifest;
/// segment objects past it with no manifest are what a killed writer left, removed once older
/// than ``ObjectStoreRoot/orphanGrace`` (younger ones may be a live writer's, and are left:
/// publishing over one then conflicts until it is old enough). A conflict removes the head
/// object, so the take after it lists.
final class ObjectStorePartitionStore: PartitionStore {
    let head: ManifestFile?
    let stagingDirectory: String
    private let root: ObjectStoreRoot
    private let headObject: PartitionHeadObject
    /// The newest manifest's key relative to the root.
    private var headManifest: String?
    private let logger: Logger

    /// Reads the partition's history from the bucket (its head object, or a listing of the topic
    /// when that cannot be used) and cleans the local staging directory.
    /// - Throws: ``ArchiveError`` when the bucket cannot be listed or the newest manifest read.
    init(root: ObjectStoreRoot, topic: String, partition: Int32, logger: Logger) throws(ArchiveError) {
        self.root = root
        self.logger = logger
        headObject = PartitionHeadObject(topic: topic, partition: partition)
        stagingDirectory = "\(root.stagingDirectory)/\(topic)"
        try StagingDirectory.prepare(stagingDirectory, topic: topic, partition: partition)
        if let named = headObject.manifest(in: root, logger: logger), let found = try Self.manifest(named, root: root) {
            (head, headManifest) = found
        } else {
            let listed = try Self.listedHead(root: root, topic: topic, partition: partition, logger: logger)
            (head, headManifest) = (listed?.file, listed?.relative)
            if let listed { recordHead(listed.relative) }
        }
    }

    /// The manifest `object` holds; `nil` when it is gone.
    private static func manifest(_ object: SegmentObject, root: ObjectStoreRoot) throws(ArchiveError) -> (file: ManifestFile, relative: String)? {
        let client = root.client
        let url = root.location.url(object.relative)
        let bytes = try BlockingCall.objectStore("GET \(url)") { try await client.get(object.key, maximumBytes: ManifestFile.maxBytes) }
        return try bytes.map { bytes throws(ArchiveError) in (try ManifestFile(bytes: bytes, path: url), object.relative) }
    }

    /// The newest manifest found by listing the topic; objects past it without a manifest that
    /// are older than the orphan grace are removed (a killed writer's), younger ones left.
    private static func listedHead(root: ObjectStoreRoot, topic: String, partition: Int32, logger: Logger) throws(ArchiveError) -> (file: ManifestFile, relative: String)? {
        let location = root.location
        let client = root.client
        let objects = try BlockingCall.objectStore("LIST \(location.url(topic))") {
            try await SegmentObject.list(client, location: location, topic: topic, partition: partition)
        }
        let manifests = Set(objects.filter { $0.kind == .manifest }.map { "\($0.directory)/\($0.name.base)" })
        let newest = try objects.filter { $0.kind == .manifest }.max { $0.name.startOffset < $1.name.startOffset }.map { object throws(ArchiveError) in
            guard let manifest = try manifest(object, root: root) else {
                throw ArchiveError(.objectStore, "\(location.url(object.relative)) was listed but is gone")
            }
            return manifest
        }
        let headEnd = newest?.file.manifest.lastOffset ?? -1
        for object in objects where object.kind != .manifest && object.name.startOffset > headEnd
            && !manifests.contains("\(object.directory)/\(object.name.base)")
        {
            let age = object.lastModified.map { Date().timeIntervalSince($0) } ?? 0
            guard age >= Double(root.orphanGrace.components.seconds) else {
                logger.notice("an object without its manifest is younger than the orphan grace; left in place (a writer may still be publishing it)", metadata: [
                    "object": "\(location.url(object.relative))", "ageSeconds": "\(Int(age))",
                ])
                continue
            }
            logger.notice("removing an object left by an interrupted writer; its offsets will be archived again", metadata: [
                "object": "\(location.url(object.relative))",
            ])
            try BlockingCall.objectStore("DELETE \(location.url(object.relative))") { try await client.delete(object.key) }
        }
        return newest
    }

    func publish(_ segment: StagedSegment) throws(ArchiveError) -> String {
        // A crash from here on leaves a head object that the next take does not trust.
        try headObject.write(manifest: headManifest, pending: "\(segment.directory)/\(segment.name.base)", in: root)
        let manifest: String
        do {
            manifest = try upload(segment)
        } catch where error.code == .conflict {
            // The head this writer resumed from may have been a stale head object: the next
            // take lists the topic.
            forgetHead()
            throw error
        }
        headManifest = manifest
        recordHead(manifest)
        return root.location.url(manifest)
    }

    func release() {}

    /// Names `manifest` in the head object as the head; a failure only costs the next take a
    /// listing (the object still names the pending segment, or an older head).
    private func recordHead(_ manifest: String) {
        do {
            try headObject.write(manifest: manifest, in: root)
        } catch {
            logger.warning("could not update the partition's head object; the next take lists the topic", metadata: ["error": "\(error)"])
        }
    }

    /// Removes the head object; a failure is logged (the conflict check still guards every key).
    private func forgetHead() {
        do {
            try headObject.remove(in: root)
        } catch {
            logger.warning("could not remove the partition's head object after a conflict", metadata: ["error": "\(error)"])
        }
    }

    /// Uploads the segment's objects, the manifest last.
    /// - Returns: The manifest's key relative to the root.
    private func upload(_ segment: StagedSegment) throws(ArchiveError) -> String {
        let location = root.location
        let name = segment.name
        for file in segment.files {
            let bytes = try ArchiveFile.read(file.path, maxBytes: Int.max)
            // The staging directory is local: what is uploaded must be what was hashed and signed.
            guard ArchiveDigest.sha256(bytes) == file.sha256 else {
                throw ArchiveError(.io, "\(file.path) changed between being written and being uploaded (its SHA-256 no longer matches the manifest's); not uploaded")
            }
            try putIfNew("\(segment.directory)/\(name.fileName(file.kind))", bytes, sameBytes: { existing throws(ArchiveError) in
                existing.entityTag == ContentMD5.hex(bytes)
            })
        }
        let manifestRelative = "\(segment.directory)/\(name.fileName(.manifest))"
        try putIfNew(manifestRelative, segment.manifest, sameBytes: { _ throws(ArchiveError) in
            let client = root.client
            let key = location.key(manifestRelative)
            let existing = try BlockingCall.objectStore("GET \(location.url(manifestRelative))") { try await client.get(key, maximumBytes: ManifestFile.maxBytes) }
            return existing == segment.manifest
        })
        for file in segment.files { try ArchiveFile.remove(file.path) }
        return manifestRelative
    }

    /// Uploads `bytes` under `relative` only if the key is new; an existing object passes only
    /// if `sameBytes` says it holds these bytes.
    private func putIfNew(
        _ relative: String,
        _ bytes: ByteBuffer,
        sameBytes: (S3Client.ObjectInfo) throws(ArchiveError) -> Bool
    ) throws(ArchiveError) {
        let client = root.client
        let key = root.location.key(relative)
        let url = root.location.url(relative)
        let outcome = try BlockingCall.objectStore("PUT \(url)") { try await client.put(key, body: bytes, ifNew: true) }
        guard outcome == .alreadyExists else { return }
        guard let existing = try BlockingCall.objectStore("HEAD \(url)", { try await client.head(key) }) else {
            throw ArchiveError(.conflict, "\(url): refused as existing, then not found: another writer is publishing this partition")
        }
        guard try sameBytes(existing) else {
            throw ArchiveError(.conflict, "\(url) already exists with other bytes: another writer published this segment first; the chain was not forked")
        }
        logger.info("object already in the bucket with the same bytes (an upload retried)", metadata: ["object": "\(url)"])
    }

}
