import AuditEnvelope
import Foundation
import Kafka
import NIOCore
import Testing

/// The publisher loses nothing: broker down at start, broker killed mid-load, producer killed,
/// chunked envelopes, overflow policies, a damaged spool.
@Suite("Publisher resilience against the real broker", .serialized)
struct PublisherResilienceTests {
    static func body(_ index: Int, bytes: Int = 2048) -> ByteBuffer {
        var text = #"{"index":\#(index),"pad":""#
        text += String(repeating: "x", count: max(0, bytes - text.utf8.count - 2)) + #""}"#
        return ByteBuffer(string: text)
    }

    static func producerArguments(upstream: UpstreamApp, broker: String, topic: String, spool: String, extra: [String] = []) -> [String] {
        ["--upstream", upstream.url, "--route", "POST /api/**", "--kafka-brokers", broker, "--kafka-topic", topic,
         "--spool-dir", spool, "--key-header", "X-Tenant", "--drain-timeout", "5"] + extra
    }

    /// Sends `count` requests with `concurrency` in flight; returns the request ids the proxy
    /// answered with 200 (acknowledged to the client) and the slowest answer.
    static func load(
        _ producer: ProducerProcess,
        count: Int,
        concurrency: Int,
        prefix: String,
        bytes: Int = 2048,
        onProgress: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async -> (acknowledged: [String], slowest: Duration) {
        await withTaskGroup(of: (String?, Duration).self) { group in
            var acknowledged: [String] = []
            var slowest: Duration = .zero
            var next = 0
            var done = 0
            func add() {
                let index = next
                next += 1
                group.addTask {
                    let requestID = "\(prefix)-\(String(format: "%05d", index))"
                    let start = ContinuousClock.now
                    let reply = try? await HTTPTestClient.send(
                        "\(producer.proxyURL)/api/echo",
                        headers: [("Content-Type", "application/json"), ("X-Request-ID", requestID), ("X-Tenant", "tenant-\(index % 3)")],
                        body: Self.body(index, bytes: bytes)
                    )
                    return (reply?.status == 200 ? requestID : nil, ContinuousClock.now - start)
                }
            }
            for _ in 0..<min(concurrency, count) { add() }
            while let (requestID, elapsed) = await group.next() {
                done += 1
                if let requestID { acknowledged.append(requestID) }
                slowest = max(slowest, elapsed)
                await onProgress(done)
                if next < count { add() }
            }
            return (acknowledged, slowest)
        }
    }

    @Test("broker down at start: responses stay fast, envelopes spool, then all arrive once, in order per key")
    func brokerDownAtStart() async throws {
        let broker = LocalBroker(port: LocalBroker.freePort(), s3: false)
        let topic = IntegrationBroker.uniqueTopic("down")
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let producer = try await ProducerProcess.start(arguments: Self.producerArguments(
            upstream: upstream, broker: broker.bootstrap, topic: topic, spool: ProducerProcess.temporarySpool()))

        var sent: [String] = []
        var slowest: Duration = .zero
        for index in 0..<60 {
            let requestID = "down-\(String(format: "%03d", index))"
            let start = ContinuousClock.now
            let reply = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [
                ("Content-Type", "application/json"), ("X-Request-ID", requestID), ("X-Tenant", "tenant-\(index % 3)"),
            ], body: Self.body(index))
            slowest = max(slowest, ContinuousClock.now - start)
            #expect(reply.status == 200)
            sent.append(requestID)
        }
        #expect(slowest < .seconds(2), "a response waited for Kafka: slowest \(slowest)")
        try await Task.sleep(for: .seconds(1))
        #expect(try await producer.metric("auditshipper_exchanges_spooled_total") == 60)
        let readiness = try await HTTPTestClient.send("\(producer.adminURL)/readyz", method: .GET)
        #expect(readiness.status == 200 && String(buffer: readiness.body).contains("spooling"), "\(String(buffer: readiness.body))")
        try await broker.start()
        let collector = try EnvelopeCollector(topic: topic, bootstrap: broker.bootstrap)
        let missing = try await collector.waitForAll(Set(sent), timeout: .seconds(90))
        #expect(missing.isEmpty, "missing after the broker started: \(missing.sorted())")
        try await Task.sleep(for: .seconds(2))
        let received = collector.all
        #expect(received.count == sent.count, "an envelope arrived twice")
        for tenant in 0..<3 {
            let ordered = received.filter { $0.key == "tenant-\(tenant)" }.sorted { $0.positions[0] < $1.positions[0] }.map(\.record.requestID)
            #expect(ordered == ordered.sorted(), "tenant-\(tenant) out of order: \(ordered)")
            #expect(Set(received.filter { $0.key == "tenant-\(tenant)" }.map { $0.positions[0].partition }).count == 1)
        }
        #expect(try await producer.metric("auditshipper_exchanges_replayed_total") == 60)
        try await collector.stop()
        #expect(await producer.terminate() == 0)
        await broker.stop()
    }

    @Test("an S3-backed broker killed and restarted mid-load of 2,000 exchanges: every acknowledged exchange reaches Kafka")
    func brokerKilledMidLoad() async throws {
        let broker = LocalBroker(port: LocalBroker.freePort(), s3: true)
        try await broker.start()
        let topic = IntegrationBroker.uniqueTopic("kill")
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let producer = try await ProducerProcess.start(arguments: Self.producerArguments(
            upstream: upstream, broker: broker.bootstrap, topic: topic, spool: ProducerProcess.temporarySpool()))

        let restarted = RestartOnce()
        let (acknowledged, _) = await Self.load(producer, count: 2000, concurrency: 8, prefix: "kill") { done in
            if done == 600 { await restarted.run { try? await broker.kill(); try? await Task.sleep(for: .seconds(3)); try? await broker.start() } }
        }
        #expect(await restarted.didRun)
        #expect(acknowledged.count == 2000)

        let collector = try EnvelopeCollector(topic: topic, bootstrap: broker.bootstrap)
        let missing = try await collector.waitForAll(Set(acknowledged), timeout: .seconds(180))
        #expect(missing.isEmpty, "\(missing.count) acknowledged exchanges missing, e.g. \(missing.sorted().prefix(5))")
        try await collector.stop()
        #expect(await producer.terminate() == 0)
        await broker.stop()
    }

    @Test("a producer killed with SIGKILL and restarted on its spool delivers what it spooled; losses stay within the bound")
    func producerKilled() async throws {
        let broker = LocalBroker(port: LocalBroker.freePort(), s3: false)
        let topic = IntegrationBroker.uniqueTopic("sigkill")
        let spool = ProducerProcess.temporarySpool()
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let queueBytes = 64 * 1024
        let arguments = Self.producerArguments(upstream: upstream, broker: broker.bootstrap, topic: topic, spool: spool,
                                               extra: ["--queue-max-bytes", String(queueBytes)])
        let first = try await ProducerProcess.start(arguments: arguments)
        let killed = RestartOnce()
        let (acknowledged, _) = await Self.load(first, count: 300, concurrency: 4, prefix: "sigkill") { done in
            if done == 200 { await killed.run { first.kill() } }
        }
        #expect(await killed.didRun)
        let spooledFiles = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".log") }
        #expect(!spooledFiles.isEmpty, "the broker was down, so envelopes must have been spooled")

        try await broker.start()
        let second = try await ProducerProcess.start(arguments: arguments)
        let collector = try EnvelopeCollector(topic: topic, bootstrap: broker.bootstrap)
        let missing = try await collector.waitForAll(Set(acknowledged), timeout: .seconds(60))
        // What can be lost: exchanges in the memory queue (at most queueBytes) and requests in flight.
        let exchangeBytes = 2 * 2048 + 2048
        let bound = queueBytes / exchangeBytes + 4
        print("producer SIGKILL: \(acknowledged.count) acknowledged to clients, \(missing.count) lost (bound \(bound))")
        #expect(missing.count <= bound, "lost \(missing.count), more than the documented bound \(bound)")
        #expect(acknowledged.count >= 200)
        #expect(try await second.metric("auditshipper_exchanges_replayed_total") > 0)
        try await collector.stop()
        #expect(await second.terminate() == 0)
        await broker.stop()
    }

    @Test("a 3 MB exchange travels in chunks and reassembles to identical bytes; a missing chunk is reported")
    func chunkedEnvelopes() async throws {
        let topic = IntegrationBroker.uniqueTopic("chunks")
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let producer = try await ProducerProcess.start(arguments: Self.producerArguments(
            upstream: upstream, broker: try IntegrationBroker.bootstrapServers()[0], topic: topic, spool: ProducerProcess.temporarySpool()))
        let collector = try EnvelopeCollector(topic: topic, chunkTimeout: .seconds(3))
        let big = ProxyCaptureTests.json(bytes: 1_500_000, seed: 42)
        let reply = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [
            ("Content-Type", "application/json"), ("X-Request-ID", "three-mb"), ("X-Tenant", "t"),
        ], body: big)
        #expect(reply.body == big)
        let received = try await collector.envelope(requestID: "three-mb")
        #expect(received.positions.count == 4, "a 3 MB envelope in 1 MB messages takes 4 chunks")
        #expect(received.record.request.body.data == big)
        #expect(received.record.response.body.data == big)
        #expect(received.envelope.data.readableBytes > 3_000_000)

        // Publish a chunk set with its middle chunk missing, as a failed chunk would leave it.
        let kafka = try KafkaProducer(configuration: IntegrationBroker.producerConfiguration(), logger: IntegrationBroker.logger)
        let envelope = AuditEnvelope(id: UUIDv7.generate(), source: "test", time: 1_795_258_073_000_000, data: ByteBuffer(repeating: 0x20, count: 2_500_000))
        let chunks = EnvelopeChunker.records(for: envelope, messageMaxBytes: 1_000_000)
        for index in [0, 2] {
            _ = try await kafka.send(KafkaProducerMessage(
                topic: topic, key: ByteBuffer(string: "t"), value: chunks[index].value,
                headers: chunks[index].headers.map { KafkaHeader(key: $0.name, string: $0.value) }))
        }
        await kafka.close()
        var reported: [ChunkReassembler<EnvelopeCollector.Position>.IncompleteSet] = []
        for _ in 0..<100 where reported.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            reported = collector.incompleteSets
        }
        // The collector checks for expired sets when a record arrives; send one to make it look.
        if reported.isEmpty {
            _ = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [("Content-Type", "application/json"), ("X-Request-ID", "nudge"), ("X-Tenant", "t")], body: Self.body(1))
            _ = try await collector.envelope(requestID: "nudge")
            reported = collector.incompleteSets
        }
        #expect(reported.map(\.id) == [envelope.id])
        #expect(reported.first?.received == [0, 2])
        try await collector.stop()
        #expect(await producer.terminate() == 0)
    }

    @Test("overflow policies: drop counts and drops, spool keeps everything, block waits and keeps everything")
    func overflowPolicies() async throws {
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        for policy in ["drop", "spool", "block"] {
            let topic = IntegrationBroker.uniqueTopic("overflow-\(policy)")
            // A queue smaller than one exchange overflows on every request (block: such an
            // exchange is spooled, since waiting could never end); a larger one fills under load.
            let queueBytes = policy == "block" ? "64KiB" : "1KiB"
            let producer = try await ProducerProcess.start(arguments: Self.producerArguments(
                upstream: upstream, broker: try IntegrationBroker.bootstrapServers()[0], topic: topic,
                spool: ProducerProcess.temporarySpool(), extra: ["--overflow-policy", policy, "--queue-max-bytes", queueBytes]))
            let (acknowledged, _) = await Self.load(producer, count: 40, concurrency: 8, prefix: policy, bytes: 8192)
            #expect(acknowledged.count == 40, "\(policy): responses must never fail for auditing")
            let collector = try EnvelopeCollector(topic: topic)
            switch policy {
            case "drop":
                try await Task.sleep(for: .seconds(5))
                #expect(collector.all.isEmpty)
                #expect(try await producer.metric("auditshipper_exchanges_dropped_total{reason=\"queue_full\"}") == 40)
            default:
                let missing = try await collector.waitForAll(Set(acknowledged), timeout: .seconds(60))
                #expect(missing.isEmpty, "\(policy): missing \(missing.sorted())")
                #expect(try await producer.metric("auditshipper_exchanges_dropped_total") == 0)
                if policy == "spool" { #expect(try await producer.metric("auditshipper_exchanges_spooled_total") == 40) }
            }
            try await collector.stop()
            #expect(await producer.terminate() == 0)
        }
    }

    @Test("a damaged spool record is skipped and counted; the rest is replayed after a graceful stop and restart")
    func damagedSpool() async throws {
        let broker = LocalBroker(port: LocalBroker.freePort(), s3: false)
        let topic = IntegrationBroker.uniqueTopic("damaged")
        let spool = ProducerProcess.temporarySpool()
        let upstream = try await UpstreamApp.start()
        defer { upstream.stop() }
        let arguments = Self.producerArguments(upstream: upstream, broker: broker.bootstrap, topic: topic, spool: spool)
        let first = try await ProducerProcess.start(arguments: arguments)
        for index in 0..<5 {
            _ = try await HTTPTestClient.send("\(first.proxyURL)/api/echo", headers: [
                ("Content-Type", "application/json"), ("X-Request-ID", "damaged-\(index)"), ("X-Tenant", "t"),
            ], body: Self.body(index, bytes: 4000))
        }
        try await Task.sleep(for: .seconds(1))
        #expect(await first.terminate() == 0, "SIGTERM with Kafka down must still exit 0")

        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".log") }.sorted().first)
        let path = "\(spool)/\(segment)"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = Data("AUDITSHIPPER-SPOOL 1\n".utf8).count
        bytes[header + (bytes.count - header) / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))

        try await broker.start()
        let second = try await ProducerProcess.start(arguments: arguments)
        let collector = try EnvelopeCollector(topic: topic, bootstrap: broker.bootstrap)
        var delivered: [String] = []
        for _ in 0..<300 where delivered.count < 4 {
            try await Task.sleep(for: .milliseconds(100))
            delivered = collector.all.map(\.record.requestID)
        }
        try await Task.sleep(for: .seconds(1))
        #expect(collector.all.count == 4, "four intact records replayed: \(collector.all.map(\.record.requestID))")
        #expect(try await second.metric("auditshipper_spool_damaged_records_total") == 1)
        #expect(second.log.contains("damaged"))
        try await collector.stop()
        #expect(await second.terminate() == 0)
        await broker.stop()
    }
}

/// Runs an action once, from whichever task gets there first.
actor RestartOnce {
    private(set) var didRun = false

    func run(_ action: @Sendable () async -> Void) async {
        guard !didRun else { return }
        didRun = true
        await action()
    }
}
