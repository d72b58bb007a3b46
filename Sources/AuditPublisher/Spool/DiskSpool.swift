import AuditEnvelope
import Foundation

#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Append-only segment files holding envelopes that could not go to Kafka, replayed in order
/// and deleted once Kafka has acknowledged them.
///
/// Not thread-safe and blocking: ``Spool`` confines it to one serial I/O queue.
final class DiskSpool {
    struct Segment: Equatable {
        let sequence: UInt64
        let path: String
        var bytes: Int
    }

    /// What reading a segment for replay found.
    struct Replay {
        var segment: Segment
        /// Intact entries not yet acknowledged, in order.
        var entries: [SpoolEntry]
        /// How many entries an earlier run already had acknowledged.
        var alreadyAcknowledged: Int
        var damaged: Int
        var tornTail: Bool
        /// The capacity of the buffer the segment was read into, which the entries share.
        var heldBytes: Int
    }

    let directory: String
    let maxBytes: Int
    let segmentBytes: Int
    let syncInterval: Duration
    private var active: (segment: Segment, descriptor: Int32)?
    private(set) var sealed: [Segment] = []
    private var lastSync = ContinuousClock.now
    private var unsynced = false
    private var nextSequence: UInt64 = 1

    /// Opens (creating if needed) a spool directory; segments left by an earlier run are kept for replay.
    init(directory: String, maxBytes: Int, segmentBytes: Int, syncInterval: Duration) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        self.segmentBytes = segmentBytes
        self.syncInterval = syncInterval
        try SpoolFile.makeDirectory(directory)
        for name in try SpoolFile.list(directory) {
            guard let sequence = Self.sequence(of: name) else { continue }
            // New segments are numbered past every segment name, whatever the file is.
            nextSequence = max(nextSequence, sequence + 1)
            let path = "\(directory)/\(name)"
            // Only regular files are replayed: a link or a directory under a segment's name
            // (planted) is neither followed nor sized through.
            guard let bytes = SpoolFile.regularFileSize(path) else { continue }
            sealed.append(Segment(sequence: sequence, path: path, bytes: bytes))
        }
        sealed.sort { $0.sequence < $1.sequence }
    }

    /// Bytes on disk in segments.
    var totalBytes: Int { sealed.reduce(0) { $0 + $1.bytes } + (active?.segment.bytes ?? 0) }
    /// Segment files on disk.
    var fileCount: Int { sealed.count + (active == nil ? 0 : 1) }
    /// Whether nothing is waiting for replay.
    var isEmpty: Bool { sealed.isEmpty && (active.map { $0.segment.bytes <= SpoolFraming.fileHeader.count } ?? true) }

    /// Appends an entry; `false` when the spool, with `otherBytes` held elsewhere under the same
    /// limit, is at its size limit.
    func append(_ entry: SpoolEntry, besides otherBytes: Int = 0) throws -> Bool {
        let framed = SpoolFraming.frame(entry)
        guard totalBytes + otherBytes + framed.count <= maxBytes else { return false }
        if let current = active, current.segment.bytes + framed.count > segmentBytes, current.segment.bytes > SpoolFraming.fileHeader.count {
            try seal()
        }
        if active == nil { try startSegment() }
        guard var current = active else { return false }
        do {
            try SpoolFile.write(current.descriptor, [framed.head, framed.value], path: current.segment.path)
        } catch {
            // A partial write (disk full) would leave a torn frame that later entries follow:
            // cut it off so the segment stays a clean sequence of frames.
            _ = ftruncate(current.descriptor, off_t(current.segment.bytes))
            throw error
        }
        current.segment.bytes += framed.count
        active = current
        unsynced = true
        try syncIfDue()
        return true
    }

    /// Fsyncs the active segment if the sync interval has passed since the last fsync.
    func syncIfDue(now: ContinuousClock.Instant = .now) throws {
        guard unsynced, now - lastSync >= syncInterval else { return }
        try sync()
    }

    /// Fsyncs the active segment now.
    func sync() throws {
        guard let current = active, unsynced else { return }
        try SpoolFile.sync(current.descriptor, path: current.segment.path)
        unsynced = false
        lastSync = .now
    }

    /// Closes the active segment so that replay can read it; new entries go to a new segment.
    func seal() throws {
        guard let current = active else { return }
        try SpoolFile.sync(current.descriptor, path: current.segment.path)
        Glibc.close(current.descriptor)
        active = nil
        unsynced = false
        if current.segment.bytes > SpoolFraming.fileHeader.count {
            sealed.append(current.segment)
        } else {
            try SpoolFile.remove(current.segment.path)
        }
    }

    /// Reads the oldest sealed segment, skipping entries acknowledged by an earlier run.
    func oldest() throws -> Replay? {
        guard let segment = sealed.first else { return nil }
        let file = try SpoolFile.read(segment.path)
        let scan = SpoolFraming.scan(file)
        let acknowledged = min(max(0, Self.readAcknowledged(segment)), scan.entries.count)
        return Replay(segment: segment, entries: Array(scan.entries.dropFirst(acknowledged)), alreadyAcknowledged: acknowledged,
                      damaged: scan.damaged, tornTail: scan.tornTail, heldBytes: file.capacity)
    }

    /// Records that the first `count` entries of `segment` are acknowledged, so that a restart
    /// does not send them twice.
    func markAcknowledged(_ segment: Segment, count: Int) throws {
        try SpoolFile.replace(segment.path + ".acked", with: String(count))
    }

    /// Deletes a fully replayed segment.
    func delete(_ segment: Segment) throws {
        try SpoolFile.remove(segment.path)
        try SpoolFile.remove(segment.path + ".acked")
        try SpoolFile.syncDirectory(directory)
        sealed.removeAll { $0.sequence == segment.sequence }
    }

    /// Fsyncs and closes the active segment.
    func close() throws {
        try seal()
    }

    private func startSegment() throws {
        let (path, descriptor) = try openNextSegment()
        let header = ByteBuffer(bytes: SpoolFraming.fileHeader)
        do {
            try SpoolFile.write(descriptor, header, path: path)
            try SpoolFile.syncDirectory(directory)
        } catch {
            // Disk full: nothing of this segment is kept, and its descriptor is not leaked.
            Glibc.close(descriptor)
            try? SpoolFile.remove(path)
            throw error
        }
        active = (Segment(sequence: nextSequence, path: path, bytes: header.readableBytes), descriptor)
        nextSequence += 1
    }

    /// Opens the file of the next segment number. A link or a FIFO planted under that name is
    /// skipped over (never followed, never waited on; up to 16 of them), so that it cannot stop
    /// every append.
    private func openNextSegment() throws -> (path: String, descriptor: Int32) {
        var skipped = 0
        while true {
            guard nextSequence <= Self.maxSequence else {
                throw SpoolFile.Failure(path: directory, operation: "number a new segment past \(Self.maxSequence) in", code: ERANGE)
            }
            let path = "\(directory)/\(Self.name(for: nextSequence))"
            do {
                return (path, try SpoolFile.openSegment(path))
            } catch let failure as SpoolFile.Failure where [ELOOP, ENXIO].contains(failure.code) && skipped < 16 {
                skipped += 1
                nextSequence += 1
            }
        }
    }

    private static func readAcknowledged(_ segment: Segment) -> Int {
        // Read without following a link; anything but a small count means none acknowledged.
        guard let descriptor = try? PosixFile.open(segment.path + ".acked", .read) else { return 0 }
        defer { Glibc.close(descriptor) }
        return SpoolFile.number(in: descriptor).flatMap { Int(exactly: $0) } ?? 0
    }

    static func name(for sequence: UInt64) -> String {
        let digits = String(sequence)
        return "spool-" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".log"
    }

    /// The largest segment number: 16 digits, the width of segment names.
    static let maxSequence: UInt64 = 9_999_999_999_999_999

    /// The number in a segment's name: exactly 16 digits, at most ``maxSequence``.
    static func sequence(of name: String) -> UInt64? {
        guard name.hasPrefix("spool-"), name.hasSuffix(".log") else { return nil }
        let digits = name.dropFirst(6).dropLast(4)
        guard digits.count == 16, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits).flatMap { $0 <= maxSequence ? $0 : nil }
    }
}
