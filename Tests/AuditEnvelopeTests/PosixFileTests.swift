import AuditEnvelope
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one file layer: no link followed, no descriptor inherited, every byte written or an error.
@Suite("POSIX file layer")
struct PosixFileTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("posix-file-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("every mode refuses a symbolic link planted where the file goes, and writes nothing through it", arguments: [
        PosixFile.Mode.read, .createOrTruncate, .createNew, .append, .readWrite,
    ])
    func refusesSymbolicLinks(mode: PosixFile.Mode) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = "\(directory)/target"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: "\(directory)/link", withDestinationPath: target)
        #expect(throws: PosixFile.Failure.self) { _ = try PosixFile.open("\(directory)/link", mode) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    }

    @Test("descriptors are close-on-exec")
    func closeOnExec() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let descriptor = try PosixFile.open("\(directory)/file", .append)
        defer { close(descriptor) }
        #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test("writeAll writes every byte of large and odd-sized buffers", arguments: [0, 1, 4095, 1 << 20, (8 << 20) + 3])
    func writesEverything(count: Int) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/data"
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let descriptor = try PosixFile.open(path, .createOrTruncate)
        try PosixFile.writeAll(descriptor, ByteBuffer(bytes: bytes), path: path)
        try PosixFile.sync(descriptor, path: path)
        close(descriptor)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
    }

    @Test("a write that cannot complete throws, naming the path (ENOSPC on /dev/full)")
    func fullDiskThrows() throws {
        let descriptor = try PosixFile.open("/dev/full", .append)
        defer { close(descriptor) }
        do {
            try PosixFile.writeAll(descriptor, ByteBuffer(repeating: 1, count: 100_000), path: "/dev/full")
            Issue.record("a write to /dev/full succeeded")
        } catch {
            #expect(error.code == ENOSPC)
            #expect(error.description.contains("/dev/full"))
        }
    }

    @Test("createDurably refuses an existing file and leaves it alone")
    func createNewRefusesExisting() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/key"
        try PosixFile.createDurably(path, bytes: Array("first".utf8), permissions: 0o600)
        #expect(throws: PosixFile.Failure.self) { try PosixFile.createDurably(path, bytes: Array("second".utf8), permissions: 0o600) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }
}
