/// The local directory where a partition's segment files are written before they are put into
/// place (renamed, or uploaded).
enum StagingDirectory {
    /// Creates `path` if needed and removes the files of `topic`'s `partition` an interrupted
    /// writer left there (a replay writes them again).
    static func prepare(_ path: String, topic: String, partition: Int32) throws(ArchiveError) {
        try ArchiveFile.makeDirectory(path)
        for file in try ArchiveFile.list(path) where file.hasPrefix("\(topic)+\(partition)+") {
            try ArchiveFile.remove("\(path)/\(file)")
        }
    }
}
