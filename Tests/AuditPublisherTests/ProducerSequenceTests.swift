import Foundation
import Testing

@testable import AuditPublisher

@Suite("Producer id and sequence")
struct ProducerSequenceTests {
    @Test("the id survives a restart and the sequence continues where it stopped, even without a clean close")
    func continues() throws {
        let directory = SpoolTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ProducerSequence(directory: directory)
        #expect(first.lastNumber == 0)
        #expect((1...5).map { _ in first.next() } == [1, 2, 3, 4, 5])
        let reopened = try ProducerSequence(directory: directory)
        #expect(reopened.producerID == first.producerID)
        #expect(reopened.next() == 6)
        #expect(UUID(uuidString: first.producerID) != nil)
    }

    @Test("an unreadable sequence file means a new producer id, never a number given twice", arguments: ["garbage", "-5", "", "9223372036854775807", "9007199254740991", "99999999999999999999999"])
    func unreadable(_ content: String) throws {
        let directory = SpoolTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ProducerSequence(directory: directory)
        _ = first.next()
        try Data(content.utf8).write(to: URL(fileURLWithPath: "\(directory)/sequence"))
        let reopened = try ProducerSequence(directory: directory)
        #expect(reopened.producerID != first.producerID)
        #expect(reopened.next() == 1)
    }

    @Test("numbers given concurrently are all different and without holes")
    func concurrent() async throws {
        let directory = SpoolTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sequence = try ProducerSequence(directory: directory)
        let numbers = await withTaskGroup(of: [Int64].self) { group in
            for _ in 0..<8 { group.addTask { (0..<250).map { _ in sequence.next() } } }
            return await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(numbers.sorted() == Array(1...2000))
        #expect(try ProducerSequence(directory: directory).lastNumber == 2000)
    }
}
