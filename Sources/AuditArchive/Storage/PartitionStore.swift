import NIOCore

/// Where one partition's closed segments become durable, for one writer: a directory (files
/// renamed into place, ``DirectoryPartitionStore``) or an S3 bucket (objects uploaded, the
/// manifest last and only if new, ``ObjectStorePartitionStore``). ``PartitionArchiver`` keeps
/// the chain, names and manifests; the store only places files, so both roots share one layout.
///
/// Not thread-safe, and blocking: the archiver's one owner calls it off the cooperative pool.
protocol PartitionStore: AnyObject {
    /// The partition's newest manifest when the writer took it (the chain's head), if any.
    var head: ManifestFile? { get }
    /// The local directory where segment files are written before they are published.
    var stagingDirectory: String { get }
    /// Makes a closed segment durable: its data files first, its manifest last.
    /// - Returns: Where the manifest now is (a path, or an `s3://` URL).
    /// - Throws: ``ArchiveError``: `conflict` when another writer published this segment's name
    ///   first (the chain was not forked; the caller must re-read the head), otherwise `io`.
    func publish(_ segment: StagedSegment) throws(ArchiveError) -> String
    /// Gives the partition up (a directory store releases its lock).
    func release()
}

/// A closed segment's files, written and fsynced in the staging directory, ready to publish.
struct StagedSegment {
    /// The segment's name.
    var name: SegmentFileName
    /// Its directory relative to the root: `<topic>/dt=YYYY-MM-DD/hour=HH`.
    var directory: String
    /// The staged data files (segment, dead letters if any, index), published in this order
    /// before the manifest.
    var files: [File]
    /// The manifest's bytes.
    var manifest: ByteBuffer

    /// One staged data file.
    struct File {
        /// Which of the segment's files it is.
        var kind: SegmentFileName.Kind
        /// Where it is staged.
        var path: String
        /// The SHA-256 the manifest records for it, hashed while it was written: a store that
        /// reads the file back to publish it checks that it still holds those bytes.
        var sha256: String
    }
}
