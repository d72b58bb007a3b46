/// What `verify` found.
public struct VerificationReport: Sendable {
    /// One finding, naming the file or offsets concerned.
    public typealias Finding = ArchiveFinding

    /// Problems: tampering, damage, gaps, broken links. Any problem fails verification.
    public var problems: [Finding] = []
    /// Worth knowing but not a failure (for example offsets Kafka no longer had when archived).
    public var warnings: [Finding] = []
    /// Segments checked.
    public var segments = 0
    /// Envelopes read.
    public var envelopes = 0
    /// Dead letters read.
    public var deadLetters = 0
    /// Compressed bytes read.
    public var bytes = 0
    /// Partitions seen, as `topic[partition]`.
    public var partitions: [String] = []
    /// Manifests whose signature was checked and is valid.
    public var signedManifests = 0
    /// Manifests without a signature.
    public var unsignedManifests = 0
    /// Segments written before indexes (manifest format 1): verified and read by scanning.
    public var unindexedSegments = 0
    /// Segments not read again because a `--since` point had verified them.
    public var segmentsBeforePoint = 0
    /// How far the archive is verified now: the newest manifest of each partition (with a
    /// `--since` point, that point extended). Worth recording only when the report passed.
    public var point: [String: VerifiedPoint.Partition] = [:]
    /// Checkpoints read from the witness topic, when one was given.
    public var checkpoints: Int?

    /// Whether verification passed.
    public var passed: Bool { problems.isEmpty }

    mutating func problem(_ subject: String, _ message: String) {
        problems.append(Finding(subject: subject, message: message))
    }

    mutating func warning(_ subject: String, _ message: String) {
        warnings.append(Finding(subject: subject, message: message))
    }
}
