import Foundation
import Logging
import NIOCore

/// Where a partition's newest manifest is, so that taking a partition reads one small file
/// instead of listing the topic's whole tree: `<root>/<topic>/.heads/<topic>+<partition>.json`.
///
/// Before a segment's files are renamed into place the file names it as `pending`; after, as the
/// head. A writer that finds a `pending` segment adopts it if its manifest made it into place, and
/// otherwise removes the files it left. The file is a cache of what the manifests say: when it
/// is missing, unreadable or names a manifest that is not there, the writer lists the tree.
struct PartitionHeadFile {
    /// What the file says.
    struct Content: Codable, Equatable {
        /// The newest manifest, relative to the topic directory; `nil` when the archive holds
        /// nothing of the partition.
        var manifest: String?
        /// The base path (relative to the topic directory, without a suffix) of a segment being
        /// put into place.
        var pending: String?

        /// The content `bytes` hold; `nil` when they are not a head file's JSON or name a path
        /// outside the topic directory (`..`, absolute).
        static func decode(_ bytes: ByteBuffer) -> Content? {
            guard let content = try? JSONDecoder().decode(Content.self, from: Data(bytes.readableBytesView)) else { return nil }
            let safe = [content.manifest, content.pending].compactMap { $0 }.allSatisfy { !$0.contains("..") && !$0.hasPrefix("/") }
            return safe ? content : nil
        }

        /// The content as the file holds it.
        var encoded: ByteBuffer {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return ByteBuffer(bytes: (try? encoder.encode(self)) ?? Data())
        }
    }

    let path: String
    private let topicDirectory: String

    init(layout: ArchiveLayout, topic: String, partition: Int32) {
        topicDirectory = layout.topicDirectory(topic)
        path = "\(layout.headDirectory(topic))/\(topic)+\(partition).json"
    }

    /// The path of `relative` under the topic directory.
    func absolute(_ relative: String) -> String { "\(topicDirectory)/\(relative)" }

    /// `absolute` relative to the topic directory.
    func relative(_ absolute: String) -> String {
        absolute.hasPrefix(topicDirectory + "/") ? String(absolute.dropFirst(topicDirectory.count + 1)) : absolute
    }

    /// The file's content; `nil` when it is absent or unreadable (the caller lists the tree).
    func read() -> Content? {
        guard ArchiveFile.kind(path) == .regular, let bytes = try? ArchiveFile.read(path, maxBytes: Self.maximumBytes) else { return nil }
        return Content.decode(bytes)
    }

    /// The largest head file read.
    static let maximumBytes = 64 * 1024

    /// Replaces the file (write, rename); with `durable`, fsynced with its directory.
    func write(_ content: Content, durable: Bool) throws(ArchiveError) {
        let bytes = content.encoded
        let directory = (path as NSString).deletingLastPathComponent
        try ArchiveFile.makeDirectory(directory)
        let staged = "\(path).tmp"
        try ArchiveFile.write(bytes, to: staged, durable: durable)
        try ArchiveFile.rename(staged, to: path)
        if durable { try ArchiveFile.syncDirectory(directory) }
    }
}
