import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A spool directory someone else wrote into, under the real producer and broker.
@Suite("A planted spool directory", .serialized, .fixtures)
struct HostileSpoolTests {
    @Test("a spool planted with absurd segment names, a sequence at Int64.max, links to a 1 TiB sparse file and a FIFO: the producer starts and captures, every answered exchange reaches Kafka under a new producer id numbered from 1, and the links' target is untouched")
    func plantedSpool() async throws {
        let stack = try await PublisherStack.start("hostile-spool")
        try await stack.broker?.start()
        let spool = stack.spool
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let outside = "\(spool)-outside"
        defer { try? FileManager.default.removeItem(atPath: outside) }
        #expect(FileManager.default.createFile(atPath: outside, contents: nil) && truncate(outside, 1 << 40) == 0)
        let plantedID = UUID().uuidString.lowercased()
        try Data(plantedID.utf8).write(to: URL(fileURLWithPath: "\(spool)/producer-id"))
        try Data("9223372036854775807".utf8).write(to: URL(fileURLWithPath: "\(spool)/sequence"))
        for name in ["spool-18446744073709551615.log", "spool-99999999999999999999.log", "spool--000000000000001.log"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: "\(spool)/\(name)"))
        }
        try FileManager.default.createSymbolicLink(atPath: "\(spool)/spool-0000000000000001.log", withDestinationPath: outside)
        #expect(mkfifo("\(spool)/spool-0000000000000002.log", 0o600) == 0)

        let producer = try await stack.producer(["--durability", "disk"], keyHeader: false)
        let answered = await PublisherResilienceTests.load(producer, count: 40, concurrency: 4, prefix: "planted")
        #expect(answered.count == 40, "the proxy answered \(answered.count) of 40:\n\(producer.log.suffix(2_000))")
        let collector = try stack.collector()
        let missing = try await collector.waitForAll(Set(answered), timeout: .seconds(60))
        #expect(missing.isEmpty, "answered but never delivered: \(missing.sorted().prefix(10))")
        let records = collector.all.map(\.record)
        #expect(Set(records.compactMap(\.producer)).count == 1 && records.first?.producer != plantedID, "a new producer id, not the planted one")
        #expect(records.compactMap(\.sequence).sorted() == Array(1...Int64(records.count)), "numbered from 1: \(records.compactMap(\.sequence).sorted().prefix(5))")
        var info = stat()
        #expect(stat(outside, &info) == 0 && info.st_size == 1 << 40 && info.st_blocks == 0, "the links' target is untouched")
        try await collector.stop()
        #expect(await producer.terminate() == 0, "\(producer.log.suffix(2_000))")
        #expect(!producer.log.contains("Fatal error"))
        await stack.stop()
    }
}
