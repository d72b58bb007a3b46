@testable import AuditArchive
import Foundation
import NIOCore
import Testing

@Suite("Segment reader")
struct SegmentReaderTests {
    @Test("lines of every size, highly and barely compressible, read back byte for byte across inflate steps (fixed seed)")
    func roundTrip() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("segment-reader-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var state: UInt64 = 0x5e9_0001
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        for round in 0..<6 {
            let path = "\(root)/round-\(round).jsonl.gz"
            let writer = try SegmentFileWriter(path: path, level: 1)
            var written: [ByteBuffer] = []
            for _ in 0..<(1 + Int(next() % 12)) {
                let length = [0, 1, 4095, 262_144, 262_145, 1_048_576, 3_000_001][Int(next() % 7)]
                let repetitive = next() % 2 == 0
                let bytes = (0..<length).map { index in repetitive ? UInt8(ascii: "a") + UInt8(index % 3) : UInt8(truncatingIfNeeded: next() % 90 + 32) }
                let line = ByteBuffer(bytes: bytes)
                try writer.append(line: line)
                written.append(line)
            }
            _ = try writer.finish()
            var read: [ByteBuffer] = []
            try SegmentReader.forEachLine(inFileAt: path) { read.append($0) }
            #expect(read == written, "round \(round)")
        }
    }
}
