import AuditEnvelope
import Foundation
import NIOCore

/// The checks of a segment's files against its manifest: size and SHA-256, gzip integrity, each
/// line, and for an indexed segment its index and each member.
extension ArchiveVerifier {
    /// A file of a segment to check against what its manifest records.
    struct CheckedFile {
        var kind: SegmentFileName.Kind
        var digest: SegmentManifest.FileDigest
        /// The manifest's `uncompressedBytes` for the segment; `nil` for files it does not record.
        var maxInflatedBytes: Int?
        /// The Merkle root the manifest records over the file's lines, if any.
        var merkleRoot: String? = nil

        var limits: SegmentReader.Limits { maxInflatedBytes.map(SegmentReader.Limits.init(uncompressedBytes:)) ?? .unrecordedSize }
    }

    /// Reads and checks the segment's index against its manifest: `nil` (with a problem, or a
    /// warning for a segment written before indexes) when the segment is to be checked without
    /// one.
    static func readIndex(_ entry: ArchiveCatalog.Entry, manifest: SegmentManifest, in store: any ArchiveStore, into report: inout VerificationReport) -> SegmentIndex? {
        guard let digest = manifest.index else {
            if entry.kinds.contains(.index) {
                report.problem(entry.path(.index), "index file not listed in the manifest")
            } else if manifest.formatVersion >= 2 {
                report.problem(entry.path(.manifest), "format \(manifest.formatVersion) lists no index: its index entry was removed")
            } else {
                report.unindexedSegments += 1
            }
            return nil
        }
        let path = entry.path(.index)
        guard entry.kinds.contains(.index) else {
            report.problem(path, "missing (the manifest lists it)")
            return nil
        }
        do throws(ArchiveError) {
            guard let bytes = try store.read(entry.relative(.index), maxBytes: SegmentIndex.maxFileBytes) else {
                throw ArchiveError(.io, "\(path): gone since it was listed")
            }
            report.bytes += bytes.readableBytes
            let sha256 = ArchiveDigest.sha256(bytes)
            guard bytes.readableBytes == digest.bytes, sha256 == digest.sha256 else {
                report.problem(path, "content changed: \(bytes.readableBytes) bytes with SHA-256 \(sha256), the manifest says \(digest.bytes) bytes with \(digest.sha256)")
                return nil
            }
            let index = try SegmentIndex.decode(compressed: bytes, name: path)
            guard index.entries.count == digest.lines, digest.lines == manifest.count else {
                report.problem(path, "has \(index.entries.count) entries, the manifest says \(digest.lines) for \(manifest.count) envelopes")
                return nil
            }
            return index
        } catch {
            report.problem(path, error.reason)
            return nil
        }
    }

    /// Checks an indexed segment in one pass: size and SHA-256, each member the index names
    /// decompressed on its own and ending at a line's end, the members covering the file, and
    /// every line parsed and equal to what its index entry says. Returns the lines that parsed.
    static func checkIndexedSegment(
        _ entry: ArchiveCatalog.Entry,
        _ file: CheckedFile,
        index: SegmentIndex,
        in store: any ArchiveStore,
        into report: inout VerificationReport
    ) -> Int {
        let path = entry.path(.segment)
        guard let size = entry.sizes[.segment] else {
            report.problem(path, "missing (the manifest lists it)")
            return 0
        }
        let members = index.members
        // A segment of dead letters only holds no line, and its file one empty gzip member.
        guard !members.isEmpty else {
            return checkFile(entry, file, in: store, into: &report, line: checkEnvelopeLine)
        }
        var end = 0
        for member in members {
            guard member.offset == end else {
                report.problem(entry.path(.index), "its members do not follow one another from byte 0 (one at \(member.offset)+\(member.length) after byte \(end)): not an index of this segment")
                return checkFile(entry, file, in: store, into: &report, line: checkEnvelopeLine)
            }
            end = member.range.upperBound
        }
        guard end == size else {
            report.problem(entry.path(.index), "its members end at byte \(end), the segment at \(size): not an index of this segment")
            return checkFile(entry, file, in: store, into: &report, line: checkEnvelopeLine)
        }
        var lines = 0
        var badLines = 0
        var mismatches = 0
        var problems: [String] = []
        var tree = MerkleTree.Builder()
        do throws(ArchiveError) {
            let actual = try SegmentReader.forEachLine(in: store, path: entry.relative(.segment), members: members, limits: file.limits) { member, line in
                lines += 1
                let leaf = line.withUnsafeReadableBytes(MerkleTree.leafHash)
                tree.append(leaf)
                do throws(EnvelopeError) {
                    let envelope = try StructuredCodec.decode(line)
                    var expected = SegmentIndex.Entry(line: lines, member: members[member], envelope: envelope, event: try envelope.archiveEvent(), leaf: leaf)
                    // An index written before leaf hashes has none to compare.
                    if lines <= index.entries.count, index.entries[lines - 1].leaf == nil { expected.leaf = nil }
                    guard lines <= index.entries.count, index.entries[lines - 1] == expected else {
                        mismatches += 1
                        if mismatches <= 3 {
                            problems.append("line \(lines) (in the member at bytes \(members[member].offset)-\(members[member].range.upperBound - 1)) is not what the index says of it")
                        }
                        return
                    }
                } catch {
                    badLines += 1
                    if badLines <= 3 { problems.append("line \(lines) does not parse: \(error.reason)") }
                }
            }
            report.bytes += actual.bytes
            if actual.bytes != file.digest.bytes || actual.sha256 != file.digest.sha256 {
                report.problem(path, "content changed: \(actual.bytes) bytes with SHA-256 \(actual.sha256), the manifest says \(file.digest.bytes) bytes with \(file.digest.sha256)")
            }
            checkMerkleRoot(of: tree, file, path: path, into: &report)
        } catch {
            problems.append(error.reason)
            reportDigest(of: entry, file, in: store, into: &report)
        }
        for problem in problems { report.problem(path, problem) }
        if badLines > 3 { report.problem(path, "\(badLines - 3) more lines do not parse") }
        if mismatches > 3 { report.problem(path, "\(mismatches - 3) more lines differ from their index entries") }
        if lines != file.digest.lines {
            report.problem(path, "has \(lines) lines, the manifest says \(file.digest.lines)")
        } else if lines != index.entries.count {
            report.problem(entry.path(.index), "has \(index.entries.count) entries for \(lines) lines")
        }
        return lines - badLines
    }

    /// Checks a file's size, SHA-256, gzip integrity, line count and each line, reading it once;
    /// returns the number of lines that passed `check`.
    @discardableResult
    static func checkFile(
        _ entry: ArchiveCatalog.Entry,
        _ file: CheckedFile,
        in store: any ArchiveStore,
        into report: inout VerificationReport,
        line check: (ByteBuffer) throws(EnvelopeError) -> Void
    ) -> Int {
        let path = entry.path(file.kind)
        guard entry.kinds.contains(file.kind) else {
            report.problem(path, "missing (the manifest lists it)")
            return 0
        }
        var lines = 0
        var badLines = 0
        var problems: [String] = []
        var tree = MerkleTree.Builder()
        do throws(ArchiveError) {
            let actual = try SegmentReader.forEachLine(in: store, path: entry.relative(file.kind), limits: file.limits, hashing: true) { line in
                lines += 1
                if file.merkleRoot != nil { tree.append(line.withUnsafeReadableBytes(MerkleTree.leafHash)) }
                do throws(EnvelopeError) {
                    try check(line)
                } catch {
                    badLines += 1
                    if badLines <= 3 { problems.append("line \(lines) does not parse: \(error.reason)") }
                }
            }
            for problem in problems { report.problem(path, problem) }
            if let actual {
                report.bytes += actual.bytes
                if actual.bytes != file.digest.bytes || actual.sha256 != file.digest.sha256 {
                    report.problem(path, "content changed: \(actual.bytes) bytes with SHA-256 \(actual.sha256), the manifest says \(file.digest.bytes) bytes with \(file.digest.sha256)")
                }
            }
            if badLines > 3 { report.problem(path, "\(badLines - 3) more lines do not parse") }
            if lines != file.digest.lines {
                report.problem(path, "has \(lines) lines, the manifest says \(file.digest.lines)")
            }
            checkMerkleRoot(of: tree, file, path: path, into: &report)
        } catch {
            for problem in problems { report.problem(path, problem) }
            report.problem(path, error.reason)
            reportDigest(of: entry, file, in: store, into: &report)
        }
        return lines - badLines
    }

    /// Checks one segment line: a CloudEvents envelope holding an exchange or a drop notice.
    static func checkEnvelopeLine(_ line: ByteBuffer) throws(EnvelopeError) {
        _ = try StructuredCodec.decode(line).archiveEvent()
    }

    /// Compares the Merkle root of a file's lines (all of them, in `tree`) with the one its
    /// manifest records, if it records one.
    static func checkMerkleRoot(of tree: MerkleTree.Builder, _ file: CheckedFile, path: String, into report: inout VerificationReport) {
        guard let recorded = file.merkleRoot else { return }
        let root = tree.root.hex
        if root != recorded {
            report.problem(path, "the Merkle root of its \(tree.count) lines is \(root), the manifest says \(recorded)")
        }
    }

    /// Hashes a file whose reading stopped with an error, and reports whether its bytes are still
    /// those of the manifest (a truncated or rewritten file) or not (a writer's bad file).
    static func reportDigest(of entry: ArchiveCatalog.Entry, _ file: CheckedFile, in store: any ArchiveStore, into report: inout VerificationReport) {
        var hasher = SHA256Hasher()
        var bytes = 0
        do throws(ArchiveError) {
            try store.forEachChunk(entry.relative(file.kind), range: nil) { chunk in
                hasher.update(bufferPointer: chunk)
                bytes += chunk.count
            }
        } catch {
            return
        }
        report.bytes += bytes
        let sha256 = hasher.finalize().hex
        if bytes != file.digest.bytes || sha256 != file.digest.sha256 {
            report.problem(entry.path(file.kind), "content changed: \(bytes) bytes with SHA-256 \(sha256), the manifest says \(file.digest.bytes) bytes with \(file.digest.sha256)")
        }
    }
}
