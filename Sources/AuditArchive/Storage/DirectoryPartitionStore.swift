import Foundation
import Logging
import NIOCore

/// A partition's segments in an archive directory: the writer lock (``PartitionLock``) held from
/// creation to ``release()``, the head file (``PartitionHeadFile``) naming a segment as pending
/// before its files are renamed into place, the manifest renamed last and the directory fsynced.
final class DirectoryPartitionStore: PartitionStore {
    let head: ManifestFile?
    let stagingDirectory: String
    private let layout: ArchiveLayout
    private let lock: PartitionLock
    private let headFile: PartitionHeadFile
    /// The newest manifest's path, relative to the topic directory.
    private var headManifest: String?

    /// Takes the partition's lock and reads its history.
    /// - Throws: ``ArchiveError``: `locked` when another writer holds the partition; otherwise
    ///   when the root cannot be created or the newest manifest cannot be read.
    init(layout: ArchiveLayout, topic: String, partition: Int32, holder: String, logger: Logger) throws(ArchiveError) {
        self.layout = layout
        lock = try PartitionLock(layout: layout, topic: topic, partition: partition, holder: holder)
        stagingDirectory = layout.stagingDirectory(topic)
        try StagingDirectory.prepare(stagingDirectory, topic: topic, partition: partition)
        head = try PartitionHistory.load(layout: layout, topic: topic, partition: partition, logger: logger).head
        headFile = PartitionHeadFile(layout: layout, topic: topic, partition: partition)
        headManifest = head.map { headFile.relative($0.path) }
    }

    func publish(_ segment: StagedSegment) throws(ArchiveError) -> String {
        let directory = "\(layout.root)/\(segment.directory)"
        let name = segment.name
        try ArchiveFile.makeDirectory(directory)
        let stagedManifest = "\(stagingDirectory)/\(name.fileName(.manifest)).tmp"
        try ArchiveFile.writeDurably(segment.manifest, to: stagedManifest)
        // A crash from here on leaves files that the next writer finds through the head file.
        try headFile.write(.init(manifest: headManifest, pending: headFile.relative("\(directory)/\(name.base)")), durable: true)
        for file in segment.files {
            try ArchiveFile.rename(file.path, to: "\(directory)/\(name.fileName(file.kind))")
        }
        let manifestPath = "\(directory)/\(name.fileName(.manifest))"
        try ArchiveFile.rename(stagedManifest, to: manifestPath)
        try ArchiveFile.syncDirectory(directory)
        headManifest = headFile.relative(manifestPath)
        try headFile.write(.init(manifest: headManifest, pending: nil), durable: false)
        return manifestPath
    }

    func release() { lock.release() }
}
