import Logging

/// What the archive already holds of one partition, read when a writer takes the partition: the
/// newest manifest (the chain's head, the source of truth for where to resume). Files a crash
/// left behind past that head are removed, since a replay rewrites them.
struct PartitionHistory {
    /// The newest manifest, if any.
    var head: ManifestFile?

    /// Reads the partition's history from its head file, or by listing the topic's tree when the
    /// head file cannot be trusted, and cleans up after an interrupted writer.
    /// - Throws: ``ArchiveError`` when the archive cannot be listed or the newest manifest is
    ///   unreadable (writing on would break the chain; an operator must look).
    static func load(layout: ArchiveLayout, topic: String, partition: Int32, logger: Logger) throws(ArchiveError) -> PartitionHistory {
        let headFile = PartitionHeadFile(layout: layout, topic: topic, partition: partition)
        let history: PartitionHistory
        if let content = headFile.read(), let fromHead = try fromHeadFile(content, headFile, logger: logger) {
            history = fromHead
        } else {
            history = try scan(layout: layout, topic: topic, partition: partition, logger: logger)
        }
        try headFile.write(.init(manifest: history.head.map { headFile.relative($0.path) }, pending: nil), durable: false)
        return history
    }

    /// The history the head file gives; `nil` when it names a manifest that is not there.
    private static func fromHeadFile(
        _ content: PartitionHeadFile.Content,
        _ headFile: PartitionHeadFile,
        logger: Logger
    ) throws(ArchiveError) -> PartitionHistory? {
        if let pending = content.pending {
            let manifest = headFile.absolute(pending + SegmentFileName.Kind.manifest.rawValue)
            if ArchiveFile.kind(manifest) == .regular { return PartitionHistory(head: try ManifestFile(path: manifest)) }
            for kind in SegmentFileName.Kind.allCases where kind != .manifest && ArchiveFile.kind(headFile.absolute(pending + kind.rawValue)) == .regular {
                logger.notice("removing a segment file left by an interrupted writer; its offsets will be archived again", metadata: [
                    "file": "\(headFile.absolute(pending + kind.rawValue))",
                ])
                try ArchiveFile.remove(headFile.absolute(pending + kind.rawValue))
            }
        }
        guard let manifest = content.manifest else { return PartitionHistory(head: nil) }
        guard ArchiveFile.kind(headFile.absolute(manifest)) == .regular else {
            logger.warning("the partition's head file names a manifest that is not there; listing the archive", metadata: ["manifest": "\(manifest)"])
            return nil
        }
        return PartitionHistory(head: try ManifestFile(path: headFile.absolute(manifest)))
    }

    /// The history found by listing the topic's tree (an archive written before head files, or
    /// a head file that cannot be trusted).
    private static func scan(layout: ArchiveLayout, topic: String, partition: Int32, logger: Logger) throws(ArchiveError) -> PartitionHistory {
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
        return PartitionHistory(head: head)
    }
}
