import AuditEnvelope
import Foundation
import NIOCore

/// Checks an archive: every segment's and dead-letter file's SHA-256 and size against its
/// manifest, every line parses, counts match, every hash-chain link, offset continuity per
/// partition, and, when given public keys, every manifest's signature; when given the witness's
/// checkpoints, that the archive still holds every segment they announced.
public enum ArchiveVerifier {
    /// What to check beyond the archive's own consistency.
    public struct Options: Sendable {
        /// Keys whose signatures are accepted (several while keys rotate). When any is given, every
        /// manifest must carry a valid signature by one of them. Default: none (signatures are
        /// not checked, and the report says so).
        public var publicKeys: [ManifestPublicKey] = []
        /// The checkpoints read from the witness topic. Default: `nil` (no witness check).
        public var checkpoints: [WitnessCheckpoint]?

        /// Creates the defaults.
        public init() {}
    }

    /// Progress of a long verification.
    public struct Progress: Sendable {
        /// Segments checked so far.
        public var segmentsDone: Int
        /// Segments found.
        public var segmentsTotal: Int
        /// Compressed bytes read so far.
        public var bytesRead: Int
    }

    /// Verifies the archive under `root`.
    /// - Parameter progress: Called after each segment.
    /// - Throws: ``ArchiveError`` only when the root itself cannot be read; everything else is a
    ///   finding in the report.
    public static func verify(
        root: String,
        options: Options = Options(),
        progress: (Progress) -> Void = { _ in }
    ) throws(ArchiveError) -> VerificationReport {
        let catalog = try ArchiveCatalog.scan(root: root)
        var report = VerificationReport()
        for file in catalog.strayFiles { report.warning(file, "not an archive file (ignored)") }
        for directory in catalog.unreadDirectories {
            // Segments hidden under a name no topic has (renamed there, or a topic the consumer
            // refuses) must not leave an archive looking complete.
            if directory.looksLikeTopic {
                report.problem(directory.path, "holds dt= directories but is not a topic name the archive layout holds (not read)")
            } else {
                report.warning(directory.path, "not a topic directory (not read)")
            }
        }
        for file in catalog.irregularFiles {
            report.problem(file, "a symbolic link, FIFO, socket or device where archive files belong (not followed)")
        }
        var chains: [String: [(entry: ArchiveCatalog.Entry, manifest: ManifestFile)]] = [:]
        var done = 0
        for entry in catalog.entries {
            let partition = "\(entry.name.topic)[\(entry.name.partition)]"
            if chains[partition] == nil { chains[partition] = [] }
            if let manifest = check(entry, into: &report) {
                checkSignature(manifest, keys: options.publicKeys, into: &report)
                chains[partition, default: []].append((entry, manifest))
            }
            done += 1
            progress(Progress(segmentsDone: done, segmentsTotal: catalog.entries.count, bytesRead: report.bytes))
        }
        report.partitions = chains.keys.sorted()
        for partition in report.partitions {
            checkChain(partition, (chains[partition] ?? []).sorted { $0.manifest.manifest.firstOffset < $1.manifest.manifest.firstOffset }, into: &report)
        }
        summarizeSignatures(keys: options.publicKeys, into: &report)
        if let checkpoints = options.checkpoints {
            WitnessComparison.compare(checkpoints, with: chains.values.flatMap { $0.map(\.manifest) }, into: &report)
        }
        return report
    }

    /// Checks one segment's files against its manifest; returns the manifest when it is readable.
    private static func check(_ entry: ArchiveCatalog.Entry, into report: inout VerificationReport) -> ManifestFile? {
        guard entry.kinds.contains(.manifest) else {
            report.problem(entry.path(.segment), "no manifest: the segment is unverifiable (manifest deleted, or a writer was interrupted)")
            return nil
        }
        let manifestFile: ManifestFile
        do throws(ArchiveError) {
            manifestFile = try ManifestFile(path: entry.path(.manifest))
        } catch {
            report.problem(entry.path(.manifest), error.reason)
            return nil
        }
        let manifest = manifestFile.manifest
        if manifest.topic != entry.name.topic || manifest.partition != entry.name.partition || manifest.firstOffset != entry.name.startOffset {
            report.problem(entry.path(.manifest), "describes \(manifest.topic)[\(manifest.partition)] from offset \(manifest.firstOffset), not what its name says")
        }
        report.segments += 1
        report.envelopes += checkFile(entry.path(.segment), digest: manifest.segment, maxInflatedBytes: manifest.uncompressedBytes, into: &report) { line throws(EnvelopeError) in
            _ = try StructuredCodec.decode(line).archiveEvent()
        }
        if manifest.segment.lines != manifest.count {
            report.problem(entry.path(.manifest), "count \(manifest.count) differs from the segment's \(manifest.segment.lines) lines")
        }
        if let deadLetters = manifest.deadLetters {
            report.deadLetters += checkFile(entry.path(.deadLetters), digest: deadLetters, maxInflatedBytes: nil, into: &report) { line throws(EnvelopeError) in
                do {
                    _ = try JSONDecoder().decode(DeadLetter.self, from: Data(line.readableBytesView))
                } catch {
                    throw EnvelopeError(.malformedJSON, "not a dead-letter record")
                }
            }
        } else if entry.kinds.contains(.deadLetters) {
            report.problem(entry.path(.deadLetters), "dead-letter file not listed in the manifest")
        }
        for gap in manifest.gaps {
            report.warning(entry.path(.manifest), "offsets \(gap.from)-\(gap.to) were not in Kafka when archived (retention or compaction)")
        }
        return manifestFile
    }

    /// Checks a file's size, SHA-256, gzip integrity, line count and each line; returns the
    /// number of lines that passed `check`.
    @discardableResult
    private static func checkFile(
        _ path: String,
        digest: SegmentManifest.FileDigest,
        maxInflatedBytes: Int?,
        into report: inout VerificationReport,
        line check: (ByteBuffer) throws(EnvelopeError) -> Void
    ) -> Int {
        guard ArchiveFile.size(path) != nil else {
            report.problem(path, "missing (the manifest lists it)")
            return 0
        }
        var lines = 0
        var badLines = 0
        var problems: [String] = []
        do throws(ArchiveError) {
            let actual = try ArchiveDigest.sha256(ofFileAt: path)
            report.bytes += actual.bytes
            if actual.bytes != digest.bytes || actual.sha256 != digest.sha256 {
                report.problem(path, "content changed: \(actual.bytes) bytes with SHA-256 \(actual.sha256), the manifest says \(digest.bytes) bytes with \(digest.sha256)")
            }
            let limits = maxInflatedBytes.map(SegmentReader.Limits.init(uncompressedBytes:)) ?? .unrecordedSize
            try SegmentReader.forEachLine(inFileAt: path, limits: limits) { line in
                lines += 1
                do throws(EnvelopeError) {
                    try check(line)
                } catch {
                    badLines += 1
                    if badLines <= 3 { problems.append("line \(lines) does not parse: \(error.reason)") }
                }
            }
            for problem in problems { report.problem(path, problem) }
            if badLines > 3 { report.problem(path, "\(badLines - 3) more lines do not parse") }
            if lines != digest.lines {
                report.problem(path, "has \(lines) lines, the manifest says \(digest.lines)")
            }
        } catch {
            for problem in problems { report.problem(path, problem) }
            report.problem(path, error.reason)
        }
        return lines - badLines
    }

    /// Checks one manifest's signature against the given keys.
    private static func checkSignature(_ file: ManifestFile, keys: [ManifestPublicKey], into report: inout VerificationReport) {
        guard file.manifest.signature != nil else {
            report.unsignedManifests += 1
            if !keys.isEmpty {
                report.problem(file.path, "not signed, but signatures are required (--public-key given): written without a key, or rewritten")
            }
            return
        }
        guard !keys.isEmpty else { return }
        if let problem = file.manifest.signatureProblem(keys: keys) {
            report.problem(file.path, problem)
            return
        }
        report.signedManifests += 1
    }

    /// Says what the signatures prove, or that they were not checked.
    private static func summarizeSignatures(keys: [ManifestPublicKey], into report: inout VerificationReport) {
        let total = report.segments
        if keys.isEmpty, report.unsignedManifests > 0 {
            report.warning("signatures", "\(report.unsignedManifests) of \(total) manifests are unsigned: someone with write access can rewrite that history and recompute every hash undetected (give audit-consumer --signing-key)")
        }
        if keys.isEmpty, report.unsignedManifests < total {
            report.warning("signatures", "\(total - report.unsignedManifests) signed manifests were not checked: pass --public-key")
        }
    }

    /// Checks offset continuity and hash links of one partition's manifests, in offset order.
    private static func checkChain(
        _ partition: String,
        _ chain: [(entry: ArchiveCatalog.Entry, manifest: ManifestFile)],
        into report: inout VerificationReport
    ) {
        guard let first = chain.first else { return }
        if first.manifest.manifest.previousManifestSHA256 != nil {
            report.problem(first.manifest.path, "links to a previous manifest that is not in the archive: segments before offset \(first.manifest.manifest.firstOffset) of \(partition) were deleted or moved")
        }
        for (previous, next) in zip(chain, chain.dropFirst()) {
            let before = previous.manifest.manifest
            let after = next.manifest.manifest
            if after.firstOffset > before.lastOffset + 1 {
                report.problem(partition, "gap: offsets \(before.lastOffset + 1)-\(after.firstOffset - 1) are in no segment (between \(previous.manifest.path) and \(next.manifest.path))")
            } else if after.firstOffset <= before.lastOffset {
                report.problem(partition, "overlap: offsets \(after.firstOffset)-\(min(before.lastOffset, after.lastOffset)) are in two segments (\(previous.manifest.path) and \(next.manifest.path))")
            }
            if after.previousManifestSHA256 != previous.manifest.sha256 {
                report.problem(next.manifest.path, "hash chain broken: previousManifestSHA256 is not the SHA-256 of \(previous.manifest.path) (one of the two was edited or replaced, or segments between them were deleted)")
            }
        }
    }
}
