import Logging

/// What the archive already holds of one partition, read when a writer takes the partition: the
/// newest manifest (the chain's head, the source of truth for where to resume). Files a crash
/// left behind past that head are removed, since a replay rewrites them.
struct PartitionHistory {
    /// The newest manifest, if any.
    var head: ManifestFile?

    /// Reads the partition's history and cleans up after an interrupted writer.
    /// - Throws: ``ArchiveError`` when the archive cannot be listed or the newest manifest is
    ///   unreadable (writing on would break the chain; an operator must look).
    static func load(layout: ArchiveLayout, topic: String, partition: Int32, logger: Logger) throws(ArchiveError) -> PartitionHistory {
        let entries = try ArchiveCatalog.scan(root: layout.root, topic: topic).entries(topic: topic, partition: partition)
        let head = try entries.last { $0.kinds.contains(.manifest) }.map { entry throws(ArchiveError) in
            try ManifestFile(path: entry.path(.manifest))
        }
        for entry in entries where !entry.kinds.contains(.manifest) && entry.name.startOffset > (head?.manifest.lastOffset ?? -1) {
            for kind in entry.kinds {
                logger.notice("removing a segment file left by an interrupted writer; its offsets will be archived again", metadata: [
                    "file": "\(entry.path(kind))",
                ])
                try ArchiveFile.remove(entry.path(kind))
            }
        }
        let staging = layout.stagingDirectory(topic)
        for file in try ArchiveFile.list(staging) where file.hasPrefix("\(topic)+\(partition)+") {
            try ArchiveFile.remove("\(staging)/\(file)")
        }
        return PartitionHistory(head: head)
    }
}
