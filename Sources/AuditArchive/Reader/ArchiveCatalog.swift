/// The segment files found under an archive root, grouped per segment and sorted by topic,
/// partition and start offset.
public struct ArchiveCatalog: Sendable {
    /// The files of one segment found in one directory.
    public struct Entry: Sendable {
        /// The segment's name.
        public var name: SegmentFileName
        /// Its directory.
        public var directory: String
        /// Which of its files exist.
        public var kinds: Set<SegmentFileName.Kind>

        /// The path of its file of `kind` (whether or not it exists).
        public func path(_ kind: SegmentFileName.Kind) -> String { "\(directory)/\(name.fileName(kind))" }
    }

    /// The segments found.
    public var entries: [Entry]
    /// Files in segment directories that are not segment files.
    public var strayFiles: [String]
    /// Symbolic links, FIFOs, sockets or devices where archive files or directories belong:
    /// never followed or opened.
    public var irregularFiles: [String]
    /// Directories under the root whose names are not topics the layout holds
    /// (``ArchiveLayout/topicNameProblem(_:)``): not read, with whether they hold `dt=`
    /// directories as a topic's directory does.
    public var unreadDirectories: [(path: String, looksLikeTopic: Bool)] = []

    /// Scans `root` (all topics, or only `topic`).
    /// - Throws: ``ArchiveError`` (`missingRoot`) when `root` is not a directory, or `io` when a
    ///   directory cannot be listed.
    public static func scan(root: String, topic: String? = nil) throws(ArchiveError) -> ArchiveCatalog {
        guard ArchiveFile.isDirectory(root) else {
            throw ArchiveError(.missingRoot, "archive root \(root) does not exist or is not a directory")
        }
        let layout = ArchiveLayout(root: root)
        var byPath: [String: Entry] = [:]
        var strayFiles: [String] = []
        var irregularFiles: [String] = []
        var unreadDirectories: [(path: String, looksLikeTopic: Bool)] = []
        /// The names in `directory` that are directories; anything else but a regular file is irregular.
        func subdirectories(_ directory: String, prefix: String) throws(ArchiveError) -> [String] {
            try ArchiveFile.list(directory).filter { name in
                guard name.hasPrefix(prefix) else { return false }
                switch ArchiveFile.kind("\(directory)/\(name)") {
                case .directory: return true
                case .other: irregularFiles.append("\(directory)/\(name)")
                case .regular, .missing: break
                }
                return false
            }
        }
        let topics: [String]
        if let topic {
            topics = [topic]
        } else {
            topics = try subdirectories(layout.root, prefix: "").filter { name in
                guard ArchiveLayout.topicNameProblem(name) != nil else { return true }
                let path = layout.topicDirectory(name)
                let looksLikeTopic = (try? ArchiveFile.list(path))?.contains { $0.hasPrefix("dt=") } ?? false
                unreadDirectories.append((path, looksLikeTopic))
                return false
            }
        }
        for topicName in topics {
            let topicDirectory = layout.topicDirectory(topicName)
            guard ArchiveFile.kind(topicDirectory) != .other else {
                irregularFiles.append(topicDirectory)
                continue
            }
            for day in try subdirectories(topicDirectory, prefix: "dt=") {
                for hour in try subdirectories("\(topicDirectory)/\(day)", prefix: "hour=") {
                    let directory = "\(topicDirectory)/\(day)/\(hour)"
                    for file in try ArchiveFile.list(directory) {
                        guard ArchiveFile.kind("\(directory)/\(file)") == .regular else {
                            irregularFiles.append("\(directory)/\(file)")
                            continue
                        }
                        guard let (name, kind) = SegmentFileName.parse(file), name.topic == topicName else {
                            strayFiles.append("\(directory)/\(file)")
                            continue
                        }
                        let key = "\(directory)/\(name.base)"
                        byPath[key, default: Entry(name: name, directory: directory, kinds: [])].kinds.insert(kind)
                    }
                }
            }
        }
        let entries = byPath.values.sorted {
            ($0.name.topic, $0.name.partition, $0.name.startOffset, $0.directory) < ($1.name.topic, $1.name.partition, $1.name.startOffset, $1.directory)
        }
        return ArchiveCatalog(entries: entries, strayFiles: strayFiles.sorted(), irregularFiles: irregularFiles.sorted(),
                              unreadDirectories: unreadDirectories.sorted { $0.path < $1.path })
    }

    /// The entries of one partition, in offset order.
    public func entries(topic: String, partition: Int32) -> [Entry] {
        entries.filter { $0.name.topic == topic && $0.name.partition == partition }
    }
}
