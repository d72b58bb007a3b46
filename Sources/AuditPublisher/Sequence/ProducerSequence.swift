import AuditEnvelope
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Who this publisher is and how far it has numbered exchanges, kept in its spool directory:
/// `producer-id` (a UUID, written once) and `sequence` (the last number given, rewritten in place
/// with each number, no fsync: it survives a killed process through the page cache). A restarted
/// process keeps its id and continues its sequence, so a number that never reaches the archive
/// is an exchange that was dropped or lost, never a number that was skipped. When the sequence
/// file cannot be read back (missing, empty, damaged), the publisher takes a new id and starts a
/// new sequence rather than give a number twice; so does a stored number outside
/// ``SequenceNumber/valid``.
final class ProducerSequence: Sendable {
    /// The producer id.
    let producerID: String
    private let descriptor: Int32
    private let last: Mutex<Int64>

    /// Opens (or creates) the id and sequence files in `directory`.
    /// - Throws: ``SpoolFile/Failure`` when they cannot be read or written.
    init(directory: String) throws {
        try SpoolFile.makeDirectory(directory)
        let sequencePath = "\(directory)/sequence"
        let descriptor = try PosixFile.open(sequencePath, .readWrite)
        // Empty or unparsable: nothing tells how far an earlier process got.
        let stored = SpoolFile.number(in: descriptor)
        let idPath = "\(directory)/producer-id"
        let storedID = FileManager.default.contents(atPath: idPath).flatMap {
            UUID(uuidString: String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // A number at the end of the range (planted, or damaged) counts as unreadable too.
        if let storedID, let stored, (0..<SequenceNumber.valid.upperBound).contains(stored) {
            producerID = storedID.uuidString.lowercased()
            last = Mutex(stored)
        } else {
            producerID = UUID().uuidString.lowercased()
            last = Mutex(0)
            _ = ftruncate(descriptor, 0)
            do {
                try Self.writeDurably(producerID + "\n", to: idPath, in: directory)
            } catch {
                Glibc.close(descriptor)
                throw error
            }
        }
        self.descriptor = descriptor
    }

    deinit { Glibc.close(descriptor) }

    /// The last number given (0 before the first).
    var lastNumber: Int64 { last.withLock { $0 } }

    /// Gives the next number and records it.
    func next() -> Int64 {
        let descriptor = self.descriptor
        return last.withLock { last in
            last += 1
            // Fixed width, so each write replaces the whole number in place.
            let digits = String(last)
            let text = Array((String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "\n").utf8)
            _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
            return last
        }
    }

    private static func writeDurably(_ text: String, to path: String, in directory: String) throws {
        let staged = path + ".tmp"
        try? SpoolFile.remove(staged)
        let descriptor = try SpoolFile.openForAppend(staged)
        defer { Glibc.close(descriptor) }
        try SpoolFile.write(descriptor, .init(string: text), path: staged)
        try SpoolFile.sync(descriptor, path: staged)
        guard rename(staged, path) == 0 else { throw SpoolFile.Failure(path: path, operation: "rename", code: errno) }
        try SpoolFile.syncDirectory(directory)
    }
}
