import AuditArchive
import AuditEnvelope
import Foundation
import Kafka
import Logging
import NIOCore
import Testing

/// The archiving worker in process, driven by a ``ScriptedConsumer``: the rebalance, conflict,
/// lock-probe and commit logic that `audit-consumer` runs, without starting the binary.
@Suite("Archiving worker in process", .fixtures)
struct ArchiveWorkerTests {
    /// A worker over `configuration` with its scripted group member, running in a task.
    struct Harness {
        let consumer = ScriptedConsumer()
        let status = WorkerStatus()
        let topic: String
        let task: Task<Void, any Error>

        init(topic: String, configuration: ArchiveConfiguration) {
            self.topic = topic
            var logger = Logger(label: "worker-test")
            logger.logLevel = .warning
            let worker = ArchiveWorker(
                consumer: consumer, topic: topic, configuration: configuration, chunkBudget: ChunkMemoryBudget(),
                witness: nil, status: status, lockProbeInterval: .milliseconds(100), logger: logger)
            task = Task { try await worker.run() }
        }

        func partition(_ number: Int32) -> KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: number) }

        /// Sends the records of envelopes `range` (one record each) to `partition`, at offsets
        /// equal to their indexes.
        /// - Returns: Their exchange ids.
        @discardableResult
        func sendRecords(_ range: Range<Int>, partition: Int32 = 0, seed: Int = 0) -> [String] {
            var ids: [String] = []
            for index in range {
                let envelope = ArchiveHarness.envelope(index: seed + index)
                ids.append(envelope.id)
                let record = EnvelopeChunker.records(for: envelope, messageMaxBytes: 1_000_000)[0]
                consumer.send(.message(KafkaConsumerMessage(
                    topic: topic, partition: partition, offset: Int64(index), key: ByteBuffer(string: envelope.id), value: record.value,
                    headers: record.headers.map { KafkaHeader(key: $0.name, string: $0.value) },
                    timestampMilliseconds: 1_795_258_073_000 + Int64(index))))
            }
            return ids
        }

        /// Waits until the worker's calls satisfy `condition`. The deadline is generous: beside
        /// the whole suite on 2 cores the worker's first steps took over 30 s in one CI run.
        func waitFor(_ what: String, timeout: Duration = .seconds(120), _ condition: @escaping (ScriptedConsumer.Calls) -> Bool) async throws {
            try await Waiting.until(what, timeout: timeout, interval: .milliseconds(20), detail: { "\(consumer.recorded)" }) {
                condition(consumer.recorded)
            }
        }

        /// Ends the events and waits for the worker to stop.
        func stop() async throws {
            consumer.finish()
            try await task.value
        }
    }

    static func configuration(root: String, maxRecords: Int = 10_000) -> ArchiveConfiguration {
        var configuration = ArchiveConfiguration(root: root)
        configuration.rotation.maxRecords = maxRecords
        configuration.rotation.maxOpenDuration = .seconds(600)
        return configuration
    }

    @Test("a revocation mid-segment closes the open segment, commits its offsets and frees the partition for the next owner")
    func revocationMidSegment() async throws {
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configuration = Self.configuration(root: root)
        let harness = Harness(topic: "audit.revoke", configuration: configuration)
        harness.consumer.send(.partitionsAssigned([harness.partition(0)]))
        try await harness.waitFor("the partition to start") { $0.starts.count == 1 }
        #expect(harness.consumer.recorded.starts == [[]], "an empty archive resumes at the group's offsets")
        harness.sendRecords(0..<7)
        // Nothing rotates (10,000 records, 10 minutes): only the revocation closes the segment.
        harness.consumer.send(.partitionsRevoked([harness.partition(0)]))
        try await harness.waitFor("the commit after the revocation") { !$0.commits.isEmpty }
        #expect(harness.consumer.recorded.commits.map(\.offset) == [7])
        #expect(try ArchiveHarness.archivedIDs(root: root).count == 7)

        // The next owner (here a writer of the test) takes the partition: its lock is free, and
        // it resumes after the revoked member's segment.
        let next = try PartitionArchiver(topic: harness.topic, partition: 0, configuration: configuration, chunkBudget: ChunkMemoryBudget(), logger: Logger(label: "next"))
        #expect(next.startOffset == 7)
        _ = try next.close()
        try await harness.stop()
        #expect(harness.consumer.recorded.closed)
    }

    @Test("a partition whose lock another writer holds is refused and shown on readiness; once the lock is free the member rejoins, takes it and resumes after the other writer's segment")
    func lockRefusalAndRetry() async throws {
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configuration = Self.configuration(root: root)
        let other = try PartitionArchiver(topic: "audit.lock", partition: 0, configuration: configuration, chunkBudget: ChunkMemoryBudget(), logger: Logger(label: "other"))
        let harness = Harness(topic: "audit.lock", configuration: configuration)
        harness.consumer.send(.partitionsAssigned([harness.partition(0)]))
        try await harness.waitFor("the assignment to be answered") { $0.starts.count == 1 }
        #expect(harness.status.readiness.message.contains("refused"), "\(harness.status.readiness.message)")
        #expect(harness.status.readiness.passes)
        // Records of the refused partition are not archived by this member.
        harness.sendRecords(0..<3)
        // Still held: three probe intervals pass without a rejoin (a window to observe an
        // absence, not a synchronization).
        try await Task.sleep(for: .milliseconds(300))
        #expect(harness.consumer.recorded.unsubscriptions == 0, "rejoined while the lock was still held")

        for index in 0..<5 {
            _ = try other.append(ArchiveInput(
                offset: Int64(index), record: EnvelopeChunker.records(for: ArchiveHarness.envelope(index: 100 + index), messageMaxBytes: 1_000_000)[0],
                timestampMilliseconds: 1_795_258_073_000))
        }
        _ = try other.close()
        try await harness.waitFor("the member to rejoin once the lock is free") { $0.unsubscriptions == 1 && $0.subscriptions == 2 }
        harness.consumer.send(.partitionsAssigned([harness.partition(0)]))
        try await harness.waitFor("the partition to start again") { $0.starts.count == 2 }
        #expect(harness.consumer.recorded.starts.last?.map(\.offset) == [5], "resumes after the other writer's segment")
        #expect(!harness.status.readiness.message.contains("refused"), "\(harness.status.readiness.message)")
        harness.sendRecords(5..<9)
        try await harness.stop()
        #expect(harness.consumer.recorded.commits.map(\.offset) == [9])
        #expect(try ArchiveHarness.archivedIDs(root: root).count == 9)
    }

    @Test("a newest manifest past the partition's high watermark (planted) is not taken: readiness fails, nothing is committed; once the broker has those offsets it is taken")
    func headPastWatermark() async throws {
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configuration = Self.configuration(root: root)
        let writer = try PartitionArchiver(topic: "audit.watermark", partition: 0, configuration: configuration, chunkBudget: ChunkMemoryBudget(), logger: Logger(label: "writer"))
        for index in 0..<5 {
            _ = try writer.append(ArchiveInput(
                offset: Int64(index), record: EnvelopeChunker.records(for: ArchiveHarness.envelope(index: index), messageMaxBytes: 1_000_000)[0],
                timestampMilliseconds: 1_795_258_073_000))
        }
        _ = try writer.close()
        let harness = Harness(topic: "audit.watermark", configuration: configuration)
        // The broker's partition holds offsets 0-2 only: a head ending at offset 4 cannot be its.
        harness.consumer.setHighWatermark(3)
        harness.consumer.send(.partitionsAssigned([harness.partition(0)]))
        try await harness.waitFor("the assignment to be answered") { $0.starts.count == 1 }
        #expect(!harness.status.readiness.passes)
        #expect(harness.status.readiness.message.contains("not trusted"), "\(harness.status.readiness.message)")
        harness.sendRecords(0..<3)
        try await Task.sleep(for: .milliseconds(300))
        #expect(harness.consumer.recorded.unsubscriptions == 0, "no rejoin loop for an untrusted head")
        #expect(harness.consumer.recorded.commits.isEmpty)

        harness.consumer.setHighWatermark(5)
        harness.consumer.send(.partitionsRevoked([harness.partition(0)]))
        harness.consumer.send(.partitionsAssigned([harness.partition(0)]))
        try await harness.waitFor("the partition to start") { $0.starts.count == 2 }
        #expect(harness.consumer.recorded.starts.last?.map(\.offset) == [5])
        #expect(harness.status.readiness.passes, "\(harness.status.readiness.message)")
        try await harness.stop()
    }

    @Test("a failed commit is logged and counted, the member stays healthy, and the next segment's commit goes through")
    func commitFailure() async throws {
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let harness = Harness(topic: "audit.commit", configuration: Self.configuration(root: root, maxRecords: 5))
        harness.consumer.failCommits(1)
        harness.consumer.send(.partitionsAssigned([harness.partition(0)]))
        harness.sendRecords(0..<5)
        try await harness.waitFor("the first commit to fail") { $0.failedCommits == 1 }
        #expect(harness.status.health.passes, "\(harness.status.health.message)")
        harness.sendRecords(5..<10)
        try await harness.waitFor("the second segment's commit") { $0.commits.map(\.offset) == [10] }
        #expect(harness.status.health.passes)
        try await harness.stop()
        #expect(try ArchiveHarness.archivedIDs(root: root).count == 10, "the archive, not the group's offset, holds the first segment")
    }

    @Test("a publish another writer won in a bucket lets the partition go; the member rejoins and resumes after the winner's manifest, and nothing is overwritten")
    func conflictOnS3() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = S3ArchiveRoot(moto: moto)
        let stagings = [ArchiveHarness.temporaryRoot(), ArchiveHarness.temporaryRoot()]
        defer { for staging in stagings { try? FileManager.default.removeItem(atPath: staging) } }
        func configuration(_ writer: Int) throws -> ArchiveConfiguration {
            var configuration = Self.configuration(root: s3.url, maxRecords: 10)
            configuration.objectStore = try s3.objectStore(staging: stagings[writer])
            configuration.writer = "writer-\(writer)"
            return configuration
        }
        let topic = "audit.conflict"
        // The rival takes the empty partition before the member publishes, and publishes first.
        let rival = try PartitionArchiver(topic: topic, partition: 0, configuration: try configuration(1), chunkBudget: ChunkMemoryBudget(), logger: Logger(label: "rival"))
        let harness = Harness(topic: topic, configuration: try configuration(0))
        harness.consumer.send(.partitionsAssigned([harness.partition(0)]))
        try await harness.waitFor("the partition to start") { $0.starts.count == 1 }
        var expected: [String] = []
        for index in 0..<10 {
            let envelope = ArchiveHarness.envelope(index: 500 + index)
            expected.append(envelope.id)
            _ = try rival.append(ArchiveInput(
                offset: Int64(index), record: EnvelopeChunker.records(for: envelope, messageMaxBytes: 1_000_000)[0],
                timestampMilliseconds: 1_795_258_073_000))
        }
        _ = try rival.close()
        // Ten records: the member's segment rotates and its publish meets the rival's.
        let refused = harness.sendRecords(0..<10)
        try await harness.waitFor("the member to let the partition go and rejoin") { $0.unsubscriptions == 1 && $0.subscriptions == 2 }
        #expect(harness.consumer.recorded.commits.isEmpty, "a refused publish was committed")
        harness.consumer.send(.partitionsAssigned([harness.partition(0)]))
        try await harness.waitFor("the partition to start again") { $0.starts.count == 2 }
        #expect(harness.consumer.recorded.starts.last?.map(\.offset) == [10], "resumes after the winner's manifest")
        expected += harness.sendRecords(10..<20, seed: 1_000)
        try await harness.waitFor("the next segment's commit") { $0.commits.map(\.offset) == [20] }
        try await harness.stop()
        let manifests = try await s3.manifestKeys()
        #expect(manifests.count == 2, "\(manifests)")
        #expect(Set(try await s3.archivedIDs()).isDisjoint(with: refused), "the refused segment's records were archived")
        try await s3.expectExactlyOnceChains(expected: expected)
    }
}
