import AuditEnvelope
import Foundation
import NIOCore
import Testing

@testable import AuditPublisher

@Suite("Disk spool")
struct SpoolTests {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("spool-test-\(UUID().uuidString)").path
    }

    static func entry(_ index: Int, size: Int = 100) -> SpoolEntry {
        SpoolEntry(
            key: ByteBuffer(string: "key-\(index % 3)"),
            record: EnvelopeRecord(
                headers: [HeaderField(name: "ce_id", value: "id-\(index)"), HeaderField(name: "ce_type", value: "t")],
                value: ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ index) })
            )
        )
    }

    static func spool(_ directory: String, maxBytes: Int = 1 << 30, segmentBytes: Int = 1 << 20) throws -> DiskSpool {
        try DiskSpool(directory: directory, maxBytes: maxBytes, segmentBytes: segmentBytes, syncInterval: .seconds(1))
    }

    @Test("CRC-32C matches the standard check value")
    func crc() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.checksum($0) } == 0xE306_9283)
        #expect([UInt8](repeating: 0, count: 32).withUnsafeBytes { CRC32C.checksum($0) } == 0x8A91_36AA)
    }

    @Test("entries come back in order across segments and after a reopen")
    func orderAcrossSegments() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Self.spool(directory, segmentBytes: 2000)
        for index in 0..<50 { #expect(try spool.append(Self.entry(index))) }
        try spool.close()
        #expect(spool.sealed.count > 3)

        let reopened = try Self.spool(directory, segmentBytes: 2000)
        var replayed: [SpoolEntry] = []
        while let replay = try reopened.oldest() {
            #expect(replay.damaged == 0 && !replay.tornTail)
            replayed += replay.entries
            try reopened.delete(replay.segment)
        }
        #expect(replayed == (0..<50).map { Self.entry($0) })
        #expect(reopened.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("the size limit refuses entries instead of growing")
    func sizeLimit() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Self.spool(directory, maxBytes: 1000)
        var accepted = 0
        for index in 0..<20 where try spool.append(Self.entry(index)) { accepted += 1 }
        #expect(accepted > 0 && accepted < 20)
        #expect(spool.totalBytes <= 1000)
    }

    @Test("a flipped byte skips that record, counts it, and replays the rest")
    func corruptRecordSkipped() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Self.spool(directory)
        for index in 0..<5 { _ = try spool.append(Self.entry(index, size: 200)) }
        try spool.close()
        let path = try #require(spool.sealed.first).path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let recordSize = (bytes.count - SpoolFraming.fileHeader.count) / 5
        bytes[SpoolFraming.fileHeader.count + recordSize + 100] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))

        let replay = try #require(try Self.spool(directory).oldest())
        #expect(replay.damaged == 1)
        #expect(replay.entries == [0, 2, 3, 4].map { Self.entry($0, size: 200) })
    }

    @Test("a torn tail after a crash is detected and the intact records replay")
    func tornTail() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Self.spool(directory)
        for index in 0..<3 { _ = try spool.append(Self.entry(index)) }
        try spool.close()
        let path = try #require(spool.sealed.first).path
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: SpoolFraming.frame(Self.entry(3)).joined.readableBytesView.prefix(60))
        try handle.close()

        let replay = try #require(try Self.spool(directory).oldest())
        #expect(replay.tornTail)
        #expect(replay.entries == (0..<3).map { Self.entry($0) })
    }

    @Test("acknowledged entries are not replayed again after a restart")
    func acknowledgedPrefix() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Self.spool(directory)
        for index in 0..<6 { _ = try spool.append(Self.entry(index)) }
        try spool.close()
        let first = try #require(try spool.oldest())
        try spool.markAcknowledged(first.segment, count: 4)
        let replay = try #require(try Self.spool(directory).oldest())
        #expect(replay.alreadyAcknowledged == 4)
        #expect(replay.entries == [4, 5].map { Self.entry($0) })
    }

    @Test("names and files planted in the spool directory: absurd numbers are ignored, links are neither sized, replayed nor appended through")
    func plantedNames() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let outside = directory + "-outside"
        defer { try? FileManager.default.removeItem(atPath: outside) }
        // A sparse 1 TiB file outside the spool, and links to it under segment names.
        #expect(FileManager.default.createFile(atPath: outside, contents: nil))
        #expect(truncate(outside, 1 << 40) == 0)
        for name in ["spool-18446744073709551615.log", "spool-99999999999999999999.log", "spool-1.log", "spool--000000000000001.log"] {
            #expect(FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data("x".utf8)))
        }
        try FileManager.default.createSymbolicLink(atPath: "\(directory)/spool-0000000000000007.log", withDestinationPath: outside)
        // The next segment's name is a link too: appending must not fail on it.
        try FileManager.default.createSymbolicLink(atPath: "\(directory)/spool-0000000000000008.log", withDestinationPath: outside)
        let spool = try Self.spool(directory, maxBytes: 1 << 20)
        #expect(spool.totalBytes == 0, "nothing planted is counted: \(spool.totalBytes)")
        #expect(try spool.oldest() == nil)
        #expect(try spool.append(Self.entry(1)))
        try spool.close()
        let replay = try #require(try spool.oldest())
        #expect(replay.entries == [Self.entry(1)])
        #expect(replay.segment.path.hasSuffix("spool-0000000000000009.log"), "\(replay.segment.path)")
        var info = stat()
        #expect(stat(outside, &info) == 0 && info.st_size == 1 << 40, "the link's target is untouched")
    }

    @Test("a planted acknowledgement count (negative, huge, a link) never traps and never skips what was not acknowledged")
    func plantedAcknowledgements() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Self.spool(directory)
        for index in 0..<3 { _ = try spool.append(Self.entry(index)) }
        try spool.close()
        let segment = try #require(try spool.oldest()).segment
        for (content, expected) in [("-5", 3), ("99999999999999999999", 3), ("1", 2), ("9223372036854775807", 0)] {
            try Data(content.utf8).write(to: URL(fileURLWithPath: segment.path + ".acked"))
            #expect(try Self.spool(directory).oldest()?.entries.count == expected, "acked \(content)")
        }
        try FileManager.default.removeItem(atPath: segment.path + ".acked")
        try FileManager.default.createSymbolicLink(atPath: segment.path + ".acked", withDestinationPath: "/proc/self/status")
        #expect(try Self.spool(directory).oldest()?.entries.count == 3, "a link is not read")
        let target = directory + "-target"
        defer { try? FileManager.default.removeItem(atPath: target) }
        #expect(FileManager.default.createFile(atPath: target, contents: Data("keep".utf8)))
        try FileManager.default.createSymbolicLink(atPath: segment.path + ".acked.tmp", withDestinationPath: target)
        try spool.markAcknowledged(segment, count: 1)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep", "writing the count never goes through a link")
        #expect(try Self.spool(directory).oldest()?.entries.count == 2)
    }

    @Test("the I/O queue: lanes replay in order, the retry lane first; an empty spool reads nil; leftovers are known at start")
    func ioQueue() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SpoolConfiguration()
        configuration.directory = directory
        let spool = try Spool(configuration: configuration)
        #expect(spool.wasEmptyAtStart)
        #expect(try await spool.nextReplay() == nil)
        #expect(try await spool.append(Self.entry(2)))
        #expect(try await spool.append(Self.entry(3)))
        #expect(try await spool.append(Self.entry(1), to: .retry))
        var replayed: [[SpoolEntry]] = []
        while let replay = try await spool.nextReplay() {
            replayed.append(replay.segment.entries)
            try await spool.finished(replay)
        }
        #expect(replayed == [[Self.entry(1)], [2, 3].map { Self.entry($0) }])

        #expect(try await spool.append(Self.entry(5), to: .retry))
        try await spool.close()
        let restarted = try Spool(configuration: configuration)
        #expect(!restarted.wasEmptyAtStart, "an earlier run's entries go first")
        #expect(try await restarted.nextReplay()?.segment.entries == [Self.entry(5)])
    }

    @Test("the size limit covers both lanes together")
    func sharedLimit() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SpoolConfiguration()
        configuration.directory = directory
        // Room for three entries in one lane, two in both together (each lane has a file header).
        configuration.maxBytes = 3 * SpoolFraming.frame(Self.entry(0)).count + 2 * SpoolFraming.fileHeader.count - 1
        let spool = try Spool(configuration: configuration)
        #expect(try await spool.append(Self.entry(0)))
        #expect(try await spool.append(Self.entry(1), to: .retry))
        #expect(try await spool.append(Self.entry(2)) == false, "the retry lane's bytes count against the main lane")
        #expect(try await spool.append(Self.entry(3), to: .retry) == false)
    }
}

extension SpoolTests {
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// Makes `path` a device node of `/dev/full` (root only): every write to it fails with ENOSPC.
    /// A node, not a symbolic link: the spool follows no link.
    static func makeFullDevice(at path: String) throws {
        var full = stat()
        guard stat("/dev/full", &full) == 0, mknod(path, S_IFCHR | 0o600, full.st_rdev) == 0 else {
            throw SpoolFile.Failure(path: path, operation: "mknod", code: errno)
        }
    }

    @Test("a full disk fails each append without leaking a descriptor, and the spool works once there is room", .enabled(if: getuid() == 0, "mknod needs root"))
    func diskFull() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Self.spool(directory)
        // The next segment's file is a /dev/full node: every write to it fails with ENOSPC. A
        // failed segment's file is removed (here, the node), so it is put back before each append.
        let segmentPath = "\(directory)/\(DiskSpool.name(for: 1))"
        let before = Self.openDescriptors()
        for index in 0..<200 {
            if !FileManager.default.fileExists(atPath: segmentPath) { try Self.makeFullDevice(at: segmentPath) }
            #expect(throws: SpoolFile.Failure.self) { _ = try spool.append(Self.entry(index)) }
        }
        // Other tests of this process open files too: a leak here is one descriptor per append.
        #expect(Self.openDescriptors() <= before + 20, "descriptors leaked: \(before) before, \(Self.openDescriptors()) after")
        #expect(spool.fileCount == 0)
        #expect(!FileManager.default.fileExists(atPath: segmentPath))
        #expect(try spool.append(Self.entry(0)))
        try spool.close()
        #expect(try spool.oldest()?.entries == [Self.entry(0)])
    }
}

extension SpoolTests {
    @Test("a symbolic link or a FIFO planted as the next segment is skipped: nothing is written through it, nothing waits, the append lands in the next segment")
    func plantedLinkRefused() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Self.spool(directory)
        let victim = "\(directory)-victim"
        defer { try? FileManager.default.removeItem(atPath: victim) }
        try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: "\(directory)/\(DiskSpool.name(for: 1))", withDestinationPath: victim)
        #expect(mkfifo("\(directory)/\(DiskSpool.name(for: 2))", 0o600) == 0)
        #expect(try spool.append(Self.entry(0)))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        try spool.close()
        #expect(try spool.oldest()?.segment.path == "\(directory)/\(DiskSpool.name(for: 3))")
        #expect(try spool.oldest()?.entries == [Self.entry(0)])
    }
}

extension SpoolFraming.Frame {
    /// Both parts in one buffer, as they lie in the segment file.
    var joined: ByteBuffer {
        var joined = head
        joined.writeImmutableBuffer(value)
        return joined
    }
}
