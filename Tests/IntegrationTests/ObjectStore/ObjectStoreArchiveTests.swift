import AuditArchive
import AuditEnvelope
import Foundation
import Kafka
import Logging
import NIOCore
import Testing

/// Archives in an S3 bucket (moto_server on 127.0.0.1): the consumer killed mid-run and two
/// members through a rebalance write one exactly-once chain per partition; writers racing on one
/// segment name never overwrite or fork; `audit-archive` reads the bucket.
@Suite("Archives on object storage (moto)", .serialized, .fixtures)
struct ObjectStoreArchiveTests {
    /// Runs blocking archive work on a dispatch queue, as the consumer's lanes do (the object
    /// store's calls wait there, never on the cooperative pool).
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    @Test("2,000 exchanges while the consumer archiving to S3 is SIGKILLed three times: each archived exactly once, verify over the bucket passes, body --request-id returns the exact bytes")
    func killedConsumer() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = S3ArchiveRoot(moto: moto)
        let staging = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let topic = IntegrationBroker.uniqueTopic("s3-kill")
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let group = "s3-kill-\(UUID().uuidString.prefix(8))"
        let arguments = ["--segment-max-records", "150"] + s3.consumerArguments(staging: staging)
        let (expected, consumer) = try await ArchiveHarness.produceWhileKilling(total: 2_000, to: topic, producer: producer, pause: .milliseconds(400)) {
            try await ArchiveHarness.startConsumer(topic: topic, group: group, root: s3.url, arguments: arguments, environment: s3.environment)
        }
        defer { consumer.kill() }
        await producer.close()
        #expect(expected.count == 2_000)

        _ = try await s3.waitForArchive(count: expected.count, timeout: .seconds(150))
        #expect(await consumer.terminate() == 0)
        let archived = try await s3.archivedIDs()
        let (duplicates, missing) = ConsumerArchiveTests.compare(archived: archived, expected: expected)
        #expect(archived.count == expected.count, "archived \(archived.count) of \(expected.count)")
        #expect(duplicates.isEmpty, "duplicated: \(duplicates.prefix(5))")
        #expect(missing.isEmpty, "missing: \(missing.prefix(5))")

        let verify = try await ArchiveHarness.cli(["verify", s3.url] + s3.cliArguments, environment: s3.environment)
        let report = String(decoding: verify.standardOutput, as: UTF8.self)
        #expect(verify.status == 0, "\(report)\(verify.standardError)")
        #expect(report.contains("OK: ") && report.contains("\(expected.count) envelopes"), "\(report)")

        // Exchange 50 is a large one (250,000 bytes of padding, chunked on the topic).
        let body = try await ArchiveHarness.cli(["body", s3.url, "--request-id", "req-50", "--response"] + s3.cliArguments, environment: s3.environment)
        #expect(body.status == 0, "\(body.standardError)")
        #expect(body.standardOutput == Data("{\"index\":50,\"pad\":\"\(String(repeating: "y", count: 250_000))\"}".utf8))
        let absent = try await ArchiveHarness.cli(["body", s3.url, "--request-id", "req-none", "--response"] + s3.cliArguments, environment: s3.environment)
        #expect(absent.status == 1 && absent.standardError.contains("no request id req-none in \(s3.url)"), "\(absent.standardError)")
    }

    @Test("two members archiving to one bucket through a rebalance mid-run: one chain per partition, nothing lost or duplicated, verify passes")
    func rebalance() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = S3ArchiveRoot(moto: moto)
        let stagings = [ArchiveHarness.temporaryRoot(), ArchiveHarness.temporaryRoot()]
        defer { for staging in stagings { try? FileManager.default.removeItem(atPath: staging) } }
        let topic = IntegrationBroker.uniqueTopic("s3-rebalance")
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let group = "s3-rebalance-\(UUID().uuidString.prefix(8))"
        let expected = try await ArchiveHarness.produceThroughRebalance(topic: topic, producer: producer) { member in
            try await ArchiveHarness.startConsumer(
                topic: topic, group: group, root: s3.url, arguments: s3.consumerArguments(staging: stagings[member]), environment: s3.environment
            )
        } archivedCount: {
            try await s3.archivedIDs().count
        }
        try await s3.expectExactlyOnceChains(expected: expected)
    }

    @Test("two consumer groups archiving one topic to one bucket (a zombie writer's worst case): clashes are refused and counted, nothing is overwritten, one chain per partition, each exchange archived once")
    func twoGroupsOneBucket() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = S3ArchiveRoot(moto: moto)
        let stagings = [ArchiveHarness.temporaryRoot(), ArchiveHarness.temporaryRoot()]
        defer { for staging in stagings { try? FileManager.default.removeItem(atPath: staging) } }
        let topic = IntegrationBroker.uniqueTopic("s3-two-groups")
        let producer = try KafkaProducer(configuration: try IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        var expected = try await ArchiveHarness.produce(0..<300, to: topic, producer: producer)
        var members: [ServiceProcess] = []
        let groups = (0..<2).map { "s3-two-groups-\($0)-\(UUID().uuidString.prefix(8))" }
        for member in 0..<2 {
            members.append(try await ArchiveHarness.startConsumer(
                topic: topic, group: groups[member], root: s3.url,
                arguments: s3.consumerArguments(staging: stagings[member]), environment: s3.environment
            ))
        }
        defer { for member in members { member.kill() } }
        for batch in 1..<4 {
            // Load spread over a few seconds (pacing, not a synchronization), so that the two
            // groups publish the same segments at about the same time.
            try await Task.sleep(for: .seconds(2))
            expected += try await ArchiveHarness.produce(batch * 300..<(batch + 1) * 300, to: topic, producer: producer)
        }
        await producer.close()
        _ = try await s3.waitForArchive(count: expected.count, timeout: .seconds(120))
        try await TopicProgress.waitUntilCommitted(topic: topic, groups: groups)

        var conflicts = 0.0
        for member in members { conflicts += try await member.metric("auditshipper_archive_publish_conflicts_total") }
        print("two groups on one bucket: \(Int(conflicts)) publishes refused as conflicts")
        #expect(conflicts >= 1, "the two groups never clashed")
        for member in members {
            #expect(await member.terminate() == 0, "\(member.log.suffix(2000))")
            #expect(!member.log.contains("archiving failed"))
        }
        try await s3.expectExactlyOnceChains(expected: expected)
    }

    @Test("writers racing on one segment name in a bucket: the first publishes, the others are refused with conflict (different bytes, or the same segment with another manifest), nothing is overwritten and the chain verifies")
    func racingWriters() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = S3ArchiveRoot(moto: moto)
        let topic = "audit.race"
        let stagings = (0..<4).map { _ in ArchiveHarness.temporaryRoot() }
        defer { for staging in stagings { try? FileManager.default.removeItem(atPath: staging) } }
        let roots = try stagings.map { try s3.objectStore(staging: $0) }
        let inputs = (0..<20).map { index in
            let envelope = ArchiveHarness.envelope(index: index)
            let record = EnvelopeChunker.records(for: envelope, messageMaxBytes: 1_000_000)[0]
            return ArchiveInput(offset: Int64(index), record: record, timestampMilliseconds: 1_795_258_073_000 + Int64(index))
        }
        @Sendable func archiver(_ writer: Int) throws -> PartitionArchiver {
            var configuration = ArchiveConfiguration(root: s3.url)
            configuration.objectStore = roots[writer]
            configuration.writer = "writer-\(writer)"
            return try PartitionArchiver(topic: topic, partition: 0, configuration: configuration, chunkBudget: ChunkMemoryBudget(), logger: Logger(label: "race"))
        }
        // Three writers take the empty partition before any of them publishes; the first
        // publishes 20 records, the second the same 20 under its own manifest, the third 10.
        let (publishedLast, refusals) = try await Self.offPool { () throws -> (Int64?, [ArchiveError?]) in
            let (winner, sameSegment, shorter) = (try archiver(0), try archiver(1), try archiver(2))
            for input in inputs { _ = try winner.append(input) }
            for input in inputs { _ = try sameSegment.append(input) }
            for input in inputs.prefix(10) { _ = try shorter.append(input) }
            let published = try winner.close()
            let refusals = [sameSegment, shorter].map { loser -> ArchiveError? in
                do throws(ArchiveError) {
                    _ = try loser.close()
                    return nil
                } catch {
                    return error
                }
            }
            return (published.count == 1 ? published.first?.manifest.lastOffset : nil, refusals)
        }
        #expect(publishedLast == 19)
        for (refused, why) in zip(refusals, ["the same segment under another writer's manifest", "a segment of other bytes under the same name"]) {
            #expect(refused?.code == .conflict, "\(why): \(String(describing: refused))")
            #expect(refused?.reason.contains("not forked") == true, "\(why)")
        }
        let manifests = try await s3.manifestKeys()
        #expect(manifests.count == 1, "\(manifests)")
        let report = try await s3.verify()
        #expect(report.passed, "\(report.problems)")
        #expect(report.envelopes == 20)

        // A writer taking the partition now resumes after the winner's manifest.
        let next = try await Self.offPool { () throws -> (Int64?, String?) in
            let archiver = try archiver(3)
            return (archiver.startOffset, archiver.resumedFrom?.path)
        }
        #expect(next.0 == 20)
        #expect(next.1 == s3.url + "/" + (manifests.first.map { String($0.dropFirst(s3.prefix.count + 1)) } ?? ""))
    }

    @Test("a staged segment whose bytes are swapped after hashing is not uploaded: the writer refuses it and the bucket holds nothing of it")
    func swappedStagedSegment() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = S3ArchiveRoot(moto: moto)
        let topic = "audit.swap"
        let staging = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: staging) }
        var configuration = ArchiveConfiguration(root: s3.url)
        configuration.objectStore = try s3.objectStore(staging: staging)
        let settings = configuration
        let refusal = try await Self.offPool { () throws -> ArchiveError? in
            let archiver = try PartitionArchiver(topic: topic, partition: 0, configuration: settings, chunkBudget: ChunkMemoryBudget(), logger: Logger(label: "swap"))
            for index in 0..<5 {
                let record = EnvelopeChunker.records(for: ArchiveHarness.envelope(index: index), messageMaxBytes: 1_000_000)[0]
                _ = try archiver.append(ArchiveInput(offset: Int64(index), record: record, timestampMilliseconds: 1_795_258_073_000 + Int64(index)))
            }
            // What a local user who could write the staging directory would do: put other
            // bytes at the staged file's path (the writer keeps writing its own descriptor).
            let directory = "\(staging)/\(topic)"
            let staged = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl.gz.tmp") }
            guard staged.count == 1 else { throw ArchiveError(.io, "expected one staged segment in \(directory): \(staged)") }
            try Data("forged".utf8).write(to: URL(fileURLWithPath: "\(directory)/\(staged[0]).planted"))
            guard rename("\(directory)/\(staged[0]).planted", "\(directory)/\(staged[0])") == 0 else { throw ArchiveError(.io, "rename failed") }
            do throws(ArchiveError) {
                _ = try archiver.close()
                return nil
            } catch {
                return error
            }
        }
        #expect(refusal?.code == .io, "\(String(describing: refusal))")
        #expect(refusal?.reason.contains("changed between being written and being uploaded") == true, "\(String(describing: refusal))")
        // Only the head object, naming the segment as pending (so the next take lists), is there.
        let keys = try await s3.keys().filter { !$0.contains("/.heads/") }
        #expect(keys.isEmpty, "nothing of the segment reached the bucket: \(keys)")
    }
}
