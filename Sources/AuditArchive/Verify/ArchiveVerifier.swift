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
        /// How far an earlier run verified (`verify --since`): segments up to each partition's
        /// point are not read again, only its newest manifest, which must be unchanged and
        /// linked from the next. Default: `nil` (verify everything).
        public var since: VerifiedPoint?

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

    /// Verifies the directory archive at `root`.
    public static func verify(
        root: String,
        options: Options = Options(),
        progress: (Progress) -> Void = { _ in }
    ) throws(ArchiveError) -> VerificationReport {
        try verify(in: DirectoryArchiveStore(root: root), options: options, progress: progress)
    }

    /// Verifies the archive in `store`, one object at a time: each segment is streamed once
    /// (hashed, decompressed member by member and checked line by line against its index), so
    /// neither memory nor local disk holds more than a chunk of it.
    /// - Parameter progress: Called after each segment.
    /// - Throws: ``ArchiveError`` only when the root itself cannot be read; everything else is a
    ///   finding in the report.
    public static func verify(
        in store: any ArchiveStore,
        options: Options = Options(),
        progress: (Progress) -> Void = { _ in }
    ) throws(ArchiveError) -> VerificationReport {
        let catalog = try ArchiveCatalog.scan(store)
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
        var pointsFound = Set<String>()
        for entry in catalog.entries {
            let partition = "\(entry.name.topic)[\(entry.name.partition)]"
            if chains[partition] == nil { chains[partition] = [] }
            if let point = options.since?.partitions[partition], entry.name.startOffset <= point.lastOffset {
                if entry.name.startOffset == point.firstOffset {
                    pointsFound.insert(partition)
                    checkPoint(point, of: entry, in: store, into: &report)
                }
                report.segmentsBeforePoint += 1
                done += 1
                continue
            }
            if let manifest = check(entry, in: store, into: &report) {
                checkSignature(manifest, keys: options.publicKeys, into: &report)
                chains[partition, default: []].append((entry, manifest))
            }
            done += 1
            progress(Progress(segmentsDone: done, segmentsTotal: catalog.entries.count, bytesRead: report.bytes))
        }
        for (partition, point) in (options.since?.partitions ?? [:]).sorted(by: { $0.key < $1.key }) where !pointsFound.contains(partition) {
            report.problem(partition, "the manifest verified last (\(point.manifest), offsets \(point.firstOffset)-\(point.lastOffset), recorded by --since) is no longer in the archive: deleted or moved")
        }
        report.partitions = Set(chains.keys).union(options.since?.partitions.keys.map { $0 } ?? []).sorted()
        for partition in report.partitions {
            let chain = (chains[partition] ?? []).sorted { $0.manifest.manifest.firstOffset < $1.manifest.manifest.firstOffset }
            let point = options.since?.partitions[partition]
            checkChain(partition, chain, after: point, into: &report)
            if let newest = chain.last {
                report.point[partition] = VerifiedPoint.Partition(
                    firstOffset: newest.manifest.manifest.firstOffset, lastOffset: newest.manifest.manifest.lastOffset,
                    manifest: newest.entry.relative(.manifest), manifestSHA256: newest.manifest.sha256
                )
            } else if let point {
                report.point[partition] = point
            }
        }
        summarizeSignatures(keys: options.publicKeys, into: &report)
        if report.unindexedSegments > 0 {
            report.warning("index", "\(report.unindexedSegments) of \(report.segments) segments were written before indexes (manifest format 1): verified whole, and read by scanning")
        }
        if let checkpoints = options.checkpoints {
            // Checkpoints of segments a --since point covers were compared when it was recorded.
            let after = checkpoints.filter { checkpoint in
                options.since?.partitions["\(checkpoint.topic)[\(checkpoint.partition)]"].map { checkpoint.firstOffset > $0.lastOffset } ?? true
            }
            WitnessComparison.compare(after, with: chains.values.flatMap { $0.map(\.manifest) }, into: &report)
        }
        return report
    }

    /// Checks one segment's files against its manifest; returns the manifest when it is readable.
    private static func check(_ entry: ArchiveCatalog.Entry, in store: any ArchiveStore, into report: inout VerificationReport) -> ManifestFile? {
        guard entry.kinds.contains(.manifest) else {
            report.problem(entry.path(.segment), "no manifest: the segment is unverifiable (manifest deleted, or a writer was interrupted)")
            return nil
        }
        let manifestFile: ManifestFile
        do throws(ArchiveError) {
            guard let bytes = try store.read(entry.relative(.manifest), maxBytes: ManifestFile.maxBytes) else {
                throw ArchiveError(.invalidManifest, "\(entry.path(.manifest)): gone since it was listed")
            }
            manifestFile = try ManifestFile(bytes: bytes, path: entry.path(.manifest))
        } catch {
            report.problem(entry.path(.manifest), error.reason)
            return nil
        }
        let manifest = manifestFile.manifest
        if manifest.topic != entry.name.topic || manifest.partition != entry.name.partition || manifest.firstOffset != entry.name.startOffset {
            report.problem(entry.path(.manifest), "describes \(manifest.topic)[\(manifest.partition)] from offset \(manifest.firstOffset), not what its name says")
        }
        report.segments += 1
        let index = readIndex(entry, manifest: manifest, in: store, into: &report)
        let file = CheckedFile(kind: .segment, digest: manifest.segment, maxInflatedBytes: manifest.uncompressedBytes, merkleRoot: manifest.merkleRoot)
        if let index {
            report.envelopes += checkIndexedSegment(entry, file, index: index, in: store, into: &report)
        } else {
            report.envelopes += checkFile(entry, file, in: store, into: &report, line: checkEnvelopeLine)
        }
        if manifest.segment.lines != manifest.count {
            report.problem(entry.path(.manifest), "count \(manifest.count) differs from the segment's \(manifest.segment.lines) lines")
        }
        if let deadLetters = manifest.deadLetters {
            report.deadLetters += checkFile(entry, CheckedFile(kind: .deadLetters, digest: deadLetters, maxInflatedBytes: nil), in: store, into: &report) { line throws(EnvelopeError) in
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

    /// Checks that the manifest a `--since` point names is still there with the same bytes.
    private static func checkPoint(_ point: VerifiedPoint.Partition, of entry: ArchiveCatalog.Entry, in store: any ArchiveStore, into report: inout VerificationReport) {
        do throws(ArchiveError) {
            guard let bytes = try store.read(entry.relative(.manifest), maxBytes: ManifestFile.maxBytes) else {
                throw ArchiveError(.invalidManifest, "gone")
            }
            if ArchiveDigest.sha256(bytes) != point.manifestSHA256 {
                report.problem(entry.path(.manifest), "differs from the manifest verified last (SHA-256 \(point.manifestSHA256), recorded by --since): rewritten since")
            }
        } catch {
            report.problem(entry.path(.manifest), "the manifest verified last (recorded by --since) cannot be read: \(error.reason)")
        }
    }

    /// Checks offset continuity and hash links of one partition's manifests, in offset order;
    /// with a `--since` point, from that point on.
    private static func checkChain(
        _ partition: String,
        _ chain: [(entry: ArchiveCatalog.Entry, manifest: ManifestFile)],
        after point: VerifiedPoint.Partition?,
        into report: inout VerificationReport
    ) {
        guard let first = chain.first else { return }
        if let point {
            let manifest = first.manifest.manifest
            if manifest.firstOffset > point.lastOffset + 1 {
                report.problem(partition, "gap: offsets \(point.lastOffset + 1)-\(manifest.firstOffset - 1) after the point verified last (recorded by --since) are in no segment (before \(first.manifest.path))")
            }
            if manifest.previousManifestSHA256 != point.manifestSHA256 {
                report.problem(first.manifest.path, "hash chain broken: previousManifestSHA256 is not the SHA-256 of the manifest verified last (\(point.manifest), recorded by --since)")
            }
        } else if first.manifest.manifest.previousManifestSHA256 != nil {
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
