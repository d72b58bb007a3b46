/// Compares the archive's manifests with the checkpoints the witness topic holds: every
/// checkpointed segment must still be in the archive with the very manifest announced, so that
/// deleting the newest segments, truncating a chain or replacing the archive wholesale (even
/// with valid hashes and links) is reported.
enum WitnessComparison {
    private struct SegmentKey: Hashable {
        var topic: String
        var partition: Int32
        var firstOffset: Int64
    }

    static func compare(_ checkpoints: [WitnessCheckpoint], with manifests: [ManifestFile], into report: inout VerificationReport) {
        report.checkpoints = checkpoints.count
        var archived: [SegmentKey: ManifestFile] = [:]
        var newestArchived: [String: Int64] = [:]
        for file in manifests {
            let manifest = file.manifest
            archived[SegmentKey(topic: manifest.topic, partition: manifest.partition, firstOffset: manifest.firstOffset)] = file
            let partition = "\(manifest.topic)[\(manifest.partition)]"
            newestArchived[partition] = max(newestArchived[partition] ?? -1, manifest.lastOffset)
        }
        var newestWitnessed: [String: Int64] = [:]
        var reported = Set<SegmentKey>()
        for checkpoint in checkpoints {
            let partition = "\(checkpoint.topic)[\(checkpoint.partition)]"
            newestWitnessed[partition] = max(newestWitnessed[partition] ?? -1, checkpoint.lastOffset)
            let key = SegmentKey(topic: checkpoint.topic, partition: checkpoint.partition, firstOffset: checkpoint.firstOffset)
            guard !reported.contains(key) else { continue }
            guard let file = archived[key] else {
                reported.insert(key)
                report.problem(partition, "the witness recorded segment \(checkpoint.manifest) (offsets \(checkpoint.firstOffset)-\(checkpoint.lastOffset)), which the archive no longer holds: deleted, truncated or replaced")
                continue
            }
            if file.sha256 != checkpoint.manifestSHA256 || file.manifest.lastOffset != checkpoint.lastOffset {
                reported.insert(key)
                report.problem(file.path, "differs from the manifest the witness recorded (SHA-256 \(checkpoint.manifestSHA256), offsets \(checkpoint.firstOffset)-\(checkpoint.lastOffset)): rewritten or replaced")
            }
        }
        for (partition, newest) in newestArchived.sorted(by: { $0.key < $1.key }) {
            guard let witnessed = newestWitnessed[partition] else {
                report.warning(partition, "no checkpoint on the witness topic: this partition's archive cannot be checked against it")
                continue
            }
            if newest > witnessed {
                report.warning(partition, "offsets \(witnessed + 1)-\(newest) are archived but not yet witnessed (the newest checkpoint is \(witnessed))")
            }
        }
    }
}
