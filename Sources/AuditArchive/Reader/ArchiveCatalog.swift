import AuditEnvelope

/// The segment files found under an archive root, grouped per segment and sorted by topic,
/// partition and start offset: all of them, or those of the `hour=` directories a time range
/// can touch (``HourRange``), listed one directory at a time through an ``ArchiveStore``.
public struct ArchiveCatalog: Sendable {
    /// The files of one segment found in one directory.
    public struct Entry: Sendable {
        /// The segment's name.
        public var name: SegmentFileName
        /// Its directory relative to the root: `<topic>/dt=…/hour=…`.
        public var relativeDirectory: String
        /// Its directory as messages name it: a path, or an `s3://` URL.
        public var directory: String
        /// Which of its files exist.
        public var kinds: Set<SegmentFileName.Kind>
        /// Their sizes as listed.
        public var sizes: [SegmentFileName.Kind: Int] = [:]

        /// The path of its file of `kind` (whether or not it exists), as messages name it.
        public func path(_ kind: SegmentFileName.Kind) -> String { "\(directory)/\(name.fileName(kind))" }

        /// The path of its file of `kind` relative to the root, as the store reads it.
        public func relative(_ kind: SegmentFileName.Kind) -> String { "\(relativeDirectory)/\(name.fileName(kind))" }
    }

    /// The hours whose directories a time range touches, as the start of each hour (microseconds
    /// since the Unix epoch): from the hour of `from` to the hour of the last instant before `to`
    /// plus ``ArchiveLayout/lateHours``, where a late envelope of that hour may be.
    public struct HourRange: Sendable, Equatable {
        /// The first hour listed, or `nil`: from the first there is.
        public var first: Int64?
        /// The last hour listed, or `nil`: to the last there is.
        public var last: Int64?

        /// The hours that may hold envelopes with event times in `from..<to` (either open).
        public init(from: Int64?, to: Int64?) {
            first = from.map(ArchiveLayout.hourStart(of:))
            last = to.map { ArchiveLayout.hourStart(of: $0.saturatingAdd(-1)).saturatingAdd(ArchiveLayout.lateHours * ArchiveLayout.hourMicroseconds) }
        }

        /// Whether it bounds anything.
        public var isBounded: Bool { first != nil || last != nil }

        /// Whether the hour starting at `hour` is in it.
        func contains(_ hour: Int64) -> Bool {
            if let first, hour < first { return false }
            if let last, hour > last { return false }
            return true
        }

        /// Whether any hour of the UTC day starting at `day` is in it.
        func overlaps(day: Int64) -> Bool {
            let lastHourOfDay = day.saturatingAdd(23 * ArchiveLayout.hourMicroseconds)
            return (first.map { lastHourOfDay >= $0 } ?? true) && (last.map { day <= $0 } ?? true)
        }
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
    /// Directories listed.
    public var directoriesListed = 0

    /// Scans the directory archive at `root` (all topics, or only `topic`).
    /// - Throws: ``ArchiveError`` (`missingRoot`) when `root` is not a directory, or `io` when a
    ///   directory cannot be listed.
    public static func scan(root: String, topic: String? = nil) throws(ArchiveError) -> ArchiveCatalog {
        try scan(DirectoryArchiveStore(root: root), topic: topic)
    }

    /// Scans `store`: every topic (or only `topic`), every `dt=` and `hour=` directory (or
    /// only those `hours` holds), every file in them.
    /// - Throws: ``ArchiveError`` (`missingRoot`) when the root is missing, or when a
    ///   directory cannot be listed.
    public static func scan(_ store: any ArchiveStore, topic: String? = nil, hours: HourRange = HourRange(from: nil, to: nil)) throws(ArchiveError) -> ArchiveCatalog {
        var catalog = ArchiveCatalog(entries: [], strayFiles: [], irregularFiles: [])
        var byPath: [String: Entry] = [:]
        /// The names in `directory` that are directories starting with `prefix`; anything else
        /// but a regular file is irregular.
        func subdirectories(_ directory: String, prefix: String) throws(ArchiveError) -> [String] {
            catalog.directoriesListed += 1
            return try store.list(directory).compactMap { entry in
                guard entry.name.hasPrefix(prefix) else { return nil }
                switch entry.kind {
                case .directory: return entry.name
                case .irregular: catalog.irregularFiles.append(store.location("\(directory)/\(entry.name)"))
                case .file: break
                }
                return nil
            }
        }
        let topics: [String]
        if let topic {
            // A topic directory that is a link is reported, never listed through.
            catalog.directoriesListed += 1
            let entry = try store.list("").first { $0.name == topic }
            if entry?.kind == .irregular { catalog.irregularFiles.append(store.location(topic)) }
            topics = entry?.kind == .directory ? [topic] : []
        } else {
            topics = try subdirectories("", prefix: "").filter { name in
                guard ArchiveLayout.topicNameProblem(name) != nil else { return true }
                let looksLikeTopic = (try? store.list(name))?.contains { $0.name.hasPrefix("dt=") } ?? false
                catalog.unreadDirectories.append((store.location(name), looksLikeTopic))
                return false
            }
        }
        for topicName in topics {
            for day in try subdirectories(topicName, prefix: "dt=") {
                if hours.isBounded {
                    guard let start = RFC3339.parse("\(day.dropFirst(3))T00:00:00Z"), hours.overlaps(day: start) else { continue }
                }
                for hour in try subdirectories("\(topicName)/\(day)", prefix: "hour=") {
                    if hours.isBounded {
                        guard let start = RFC3339.parse("\(day.dropFirst(3))T\(hour.dropFirst(5)):00:00Z"), hours.contains(start) else { continue }
                    }
                    let directory = "\(topicName)/\(day)/\(hour)"
                    catalog.directoriesListed += 1
                    for file in try store.list(directory) {
                        let size: Int
                        switch file.kind {
                        case .file(let bytes): size = bytes
                        case .directory, .irregular:
                            catalog.irregularFiles.append(store.location("\(directory)/\(file.name)"))
                            continue
                        }
                        guard let (name, kind) = SegmentFileName.parse(file.name), name.topic == topicName else {
                            catalog.strayFiles.append(store.location("\(directory)/\(file.name)"))
                            continue
                        }
                        let key = "\(directory)/\(name.base)"
                        byPath[key, default: Entry(name: name, relativeDirectory: directory, directory: store.location(directory), kinds: [])].kinds.insert(kind)
                        byPath[key]?.sizes[kind] = size
                    }
                }
            }
        }
        catalog.entries = byPath.values.sorted {
            ($0.name.topic, $0.name.partition, $0.name.startOffset, $0.directory) < ($1.name.topic, $1.name.partition, $1.name.startOffset, $1.directory)
        }
        catalog.strayFiles.sort()
        catalog.irregularFiles.sort()
        catalog.unreadDirectories.sort { $0.path < $1.path }
        return catalog
    }

    /// The entries of one partition, in offset order.
    public func entries(topic: String, partition: Int32) -> [Entry] {
        entries.filter { $0.name.topic == topic && $0.name.partition == partition }
    }
}
