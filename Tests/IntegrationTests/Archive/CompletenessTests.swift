import AuditArchive
import AuditEnvelope
import Foundation
import Testing

/// Sequence numbers, drop notices and `audit-archive reconcile` end to end: the archive proves
/// what it holds, and names what is missing.
@Suite("Completeness proof through the real broker", .serialized, .fixtures)
struct CompletenessTests {
    /// The request ids of the exchanges in the archive.
    static func archivedRequestIDs(root: String) throws -> [String] {
        var ids: [String] = []
        guard FileManager.default.fileExists(atPath: root) else { return ids }
        try ArchiveQuery.forEach(in: root, filter: ExchangeFilter(), decodeRecords: true, onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
            if let record = exchange.record { ids.append(record.requestID) }
            return .proceed
        }
        return ids
    }

    /// The numbers on `LOST first-last (count)` lines of a reconcile report.
    static func lostSequences(in report: String) -> Set<Int64> {
        var lost: Set<Int64> = []
        for line in report.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count >= 2, words[0] == "LOST" else { continue }
            let bounds = words[1].split(separator: "-").compactMap { Int64($0) }
            guard let first = bounds.first, let last = bounds.last, first <= last else { continue }
            lost.formUnion(first...last)
        }
        return lost
    }

    @Test("a producer SIGKILLed under load and restarted on its spool: reconcile reports as lost exactly the answered exchanges the clients' ledger misses, by receipt number, and queue-full drops as explained")
    func killedProducer() async throws {
        let stack = try await PublisherStack.start("complete")
        let broker = try #require(stack.broker)
        let topic = stack.topic
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let arguments = stack.arguments(["--queue-max-bytes", String(64 * 1024), "--receipt-header", "X-Audit-Receipt"])
        // Broker down: exchanges wait in the memory queue, then spool; SIGKILL loses the queue.
        let first = try await ProducerProcess.start(arguments: arguments)
        let killed = RestartOnce()
        var ledger = await PublisherResilienceTests.answers(first, count: 400, concurrency: 4, prefix: "complete") { done in
            guard done >= 200 else { return true }
            await killed.run { first.kill() }
            return false
        }
        #expect(await killed.didRun)

        try await broker.start()
        // Restarted on the same spool: same producer id, the sequence goes on.
        let second = try await ProducerProcess.start(arguments: arguments)
        try await second.waitUntilDrained(timeout: .seconds(60))
        ledger += await PublisherResilienceTests.answers(second, count: 20, concurrency: 2, prefix: "after")
        try await second.waitUntilDrained(timeout: .seconds(60))
        #expect(await second.terminate() == 0)
        // A third run drops everything it captures (queue smaller than one exchange): those are
        // announced and must come out as explained gaps, not losses.
        let third = try await ProducerProcess.start(arguments: arguments.filter { $0 != String(64 * 1024) && $0 != "--queue-max-bytes" } + [
            "--queue-max-bytes", "1KiB", "--overflow-policy", "drop",
        ])
        let dropped = await PublisherResilienceTests.load(third, count: 10, concurrency: 2, prefix: "dropped")
        #expect(dropped.count == 10)
        #expect(await third.terminate() == 0)

        let group = "complete-\(UUID().uuidString.prefix(8))"
        let consumer = try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root, brokers: broker.bootstrap)
        defer { consumer.kill() }
        try await TopicProgress.waitUntilCommitted(topic: topic, group: group, bootstrap: broker.bootstrap)
        #expect(await consumer.terminate() == 0)
        let archived = try Self.archivedRequestIDs(root: root)
        let missing = ledger.filter { !archived.contains($0.requestID) }

        let result = try await ArchiveHarness.cli(["reconcile", root])
        let report = String(decoding: result.standardOutput, as: UTF8.self)
        print("reconcile after SIGKILL: \(ledger.count) answered, \(missing.count) missing from the archive\n\(report)")
        let lines = report.split(separator: "\n")
        func count(_ line: Substring) -> Int? {
            guard let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")") else { return nil }
            return Int(line[line.index(after: open)..<close])
        }
        let lost = Self.lostSequences(in: report)
        let explained = lines.filter { $0.contains("dropped") && $0.hasSuffix(": queue_full") }.compactMap(count).reduce(0, +)
        // Every answer carried its number (given as its response started). Matched one for one:
        // the answered numbers reconcile calls lost are exactly those of the answered exchanges
        // the archive misses; any other lost number is one whose response had started when the
        // process died but had not been read whole, at most one per connection (four).
        let receipts = ledger.compactMap(\.receipt)
        #expect(receipts.count == ledger.count, "an answer came without a receipt")
        #expect(Set(receipts.map(\.producer)).count == 1)
        let answered = Set(receipts.map(\.sequence))
        let answeredMissing = Set(missing.compactMap(\.receipt?.sequence))
        #expect(lost.intersection(answered) == answeredMissing,
                "reconcile's lost answered numbers \(lost.intersection(answered).sorted()) against the ledger's misses \(answeredMissing.sorted())")
        #expect(lost.subtracting(answered).count <= 4, "lost numbers no client was answered for: \(lost.subtracting(answered).sorted())")
        #expect(result.status == (lost.isEmpty ? 0 : 1))
        #expect(explained == 10, "the ten queue-full drops are explained gaps: \(report)")
        let producers = lines.filter { $0.hasPrefix("producer ") }
        #expect(producers.count == 1, "one producer id across the three runs: \(producers)")
        await stack.stop()
    }

    /// Copies the spool's segment files (both lanes) from `source` to `destination`.
    static func copySegments(from source: String, to destination: String) throws {
        for lane in ["", "/retry"] {
            let from = source + lane
            let to = destination + lane
            try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: from)) ?? [] where name.hasSuffix(".log") {
                try FileManager.default.copyItem(atPath: "\(from)/\(name)", toPath: "\(to)/\(name)")
            }
        }
    }

    @Test("an exchange replayed again after a crash (its segment sent but not yet deleted) is archived twice and reported as a duplicate")
    func crashReplayDuplicate() async throws {
        let stack = try await PublisherStack.start("duplicate")
        let broker = try #require(stack.broker)
        let (topic, spool) = (stack.topic, stack.spool)
        let saved = ProducerProcess.temporarySpool()
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let arguments = stack.arguments()
        // Broker down: five exchanges are spooled; a graceful stop keeps them.
        let first = try await ProducerProcess.start(arguments: arguments)
        let spooled = await PublisherResilienceTests.load(first, count: 5, concurrency: 1, prefix: "twice")
        #expect(spooled.count == 5)
        #expect(await first.terminate() == 0)
        // What a crash between sending a segment and deleting it leaves: the segment, again.
        try Self.copySegments(from: spool, to: saved)

        try await broker.start()
        let second = try await ProducerProcess.start(arguments: arguments)
        try await second.waitUntilDrained(timeout: .seconds(60))
        #expect(await second.terminate() == 0)
        try Self.copySegments(from: saved, to: spool)
        let third = try await ProducerProcess.start(arguments: arguments)
        try await third.waitUntilDrained(timeout: .seconds(60))
        #expect(try await third.metric("auditshipper_exchanges_replayed_total") == 5)
        #expect(await third.terminate() == 0)

        let group = "duplicate-\(UUID().uuidString.prefix(8))"
        let consumer = try await ArchiveHarness.startConsumer(topic: topic, group: group, root: root, brokers: broker.bootstrap)
        defer { consumer.kill() }
        var exchangeIDs: [String: String] = [:]
        try await TopicProgress.waitUntilCommitted(topic: topic, group: group, bootstrap: broker.bootstrap)
        #expect(await consumer.terminate() == 0)
        try ArchiveQuery.forEach(in: root, filter: ExchangeFilter(), decodeRecords: true, onProblem: { Issue.record("archive problem: \($0)") }) { exchange in
            if let record = exchange.record { exchangeIDs[record.requestID] = record.exchangeID }
            return .proceed
        }
        #expect(try Self.archivedRequestIDs(root: root).count == 10, "each of the five archived twice")

        let result = try await ArchiveHarness.cli(["reconcile", root])
        let report = String(decoding: result.standardOutput, as: UTF8.self)
        print("reconcile after a crash replay:\n\(report)")
        for requestID in spooled {
            let exchangeID = try #require(exchangeIDs[requestID])
            #expect(report.contains("duplicate \(exchangeID): archived 2 times"), "\(requestID) not reported: \(report)")
        }
        #expect(report.components(separatedBy: "duplicate ").count - 1 == 5, "only the replayed five are duplicates")
        #expect(result.status == 0, "duplicates are not losses: \(report)")
        #expect(!report.contains("LOST"))
        await stack.stop()
    }
}
