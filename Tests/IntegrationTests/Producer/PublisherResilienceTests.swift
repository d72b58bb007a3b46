import AuditCapture
import AuditEnvelope
import Foundation
import Kafka
import NIOCore
import Testing

/// The publisher loses nothing: broker down at start, broker killed mid-load, producer killed,
/// chunked envelopes, overflow policies, a damaged spool.
@Suite("Publisher resilience against the real broker", .serialized, .fixtures)
struct PublisherResilienceTests {
    static func body(_ index: Int, bytes: Int = 2048) -> ByteBuffer {
        var text = #"{"index":\#(index),"pad":""#
        text += String(repeating: "x", count: max(0, bytes - text.utf8.count - 2)) + #""}"#
        return ByteBuffer(string: text)
    }

    /// Sends `count` requests with `concurrency` in flight; returns the request ids the proxy
    /// answered with 200 (acknowledged to the client). `onProgress` runs after each answer and
    /// returns whether to keep sending.
    static func load(
        _ producer: ProducerProcess,
        count: Int,
        concurrency: Int,
        prefix: String,
        bytes: Int = 2048,
        onProgress: @escaping @Sendable (Int) async -> Bool = { _ in true }
    ) async -> [String] {
        await answers(producer, count: count, concurrency: concurrency, prefix: prefix, bytes: bytes, onProgress: onProgress).map(\.requestID)
    }

    /// An exchange the proxy answered with 200, and the receipt it returned (with `--receipt-header
    /// X-Audit-Receipt`).
    struct Answer: Sendable {
        var requestID: String
        var receipt: ExchangeReceipt?
    }

    /// ``load(_:count:concurrency:prefix:bytes:onProgress:)``, keeping each answer's receipt.
    static func answers(
        _ producer: ProducerProcess,
        count: Int,
        concurrency: Int,
        prefix: String,
        bytes: Int = 2048,
        onProgress: @escaping @Sendable (Int) async -> Bool = { _ in true }
    ) async -> [Answer] {
        await withTaskGroup(of: Answer?.self) { group in
            var acknowledged: [Answer] = []
            var next = 0
            var done = 0
            var keepSending = true
            func add() {
                let index = next
                next += 1
                group.addTask {
                    let requestID = "\(prefix)-\(String(format: "%05d", index))"
                    let reply = try? await HTTPTestClient.send(
                        "\(producer.proxyURL)/api/echo",
                        headers: [("Content-Type", "application/json"), ("X-Request-ID", requestID), ("X-Tenant", "tenant-\(index % 3)")],
                        body: Self.body(index, bytes: bytes),
                        timeout: .seconds(30)
                    )
                    guard let reply, reply.status == 200 else { return nil }
                    return Answer(requestID: requestID, receipt: reply.headers.first(name: "X-Audit-Receipt").flatMap(ExchangeReceipt.init(headerValue:)))
                }
            }
            for _ in 0..<min(concurrency, count) { add() }
            while let answer = await group.next() {
                done += 1
                if let answer { acknowledged.append(answer) }
                keepSending = await onProgress(done) && keepSending
                if keepSending, next < count { add() }
            }
            return acknowledged
        }
    }

    /// Exchanges the broker acknowledged (per the producer's debug delivery receipts) whose
    /// offset the topic no longer holds for them: lost by the broker after it said it had them.
    static func lostByBroker(receiptsIn log: String, received: [EnvelopeCollector.Received]) -> Set<String> {
        var stored: [String: String] = [:]
        for record in received {
            for position in record.positions { stored["\(position.partition)/\(position.offset)"] = record.record.exchangeID }
        }
        let receivedIDs = Set(received.map(\.record.exchangeID))
        var lost: Set<String> = []
        for line in log.split(separator: "\n") where line.contains("envelope delivered") {
            guard let id = field("exchange.id", in: line), let partition = field("kafka.partition", in: line),
                let offset = field("kafka.offset", in: line), !receivedIDs.contains(id)
            else { continue }
            if stored["\(partition)/\(offset)"] != id { lost.insert(id) }
        }
        return lost
    }

    private static func field(_ name: String, in line: Substring) -> String? {
        guard let range = line.range(of: "\(name)=") else { return nil }
        return String(line[range.upperBound...].prefix { !$0.isWhitespace })
    }

    @Test("broker down at start: responses stay fast, envelopes spool, then all arrive once, in order per key")
    func brokerDownAtStart() async throws {
        let stack = try await PublisherStack.start("down")
        // Four builders: envelopes finish out of order and must still reach the spool in order.
        let producer = try await stack.producer(["--build-threads", "4"])

        var sent: [String] = []
        var latencies: [Duration] = []
        for index in 0..<60 {
            let requestID = "down-\(String(format: "%03d", index))"
            let start = ContinuousClock.now
            let reply = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [
                ("Content-Type", "application/json"), ("X-Request-ID", requestID), ("X-Tenant", "tenant-\(index % 3)"),
            ], body: Self.body(index))
            latencies.append(ContinuousClock.now - start)
            #expect(reply.status == 200)
            sent.append(requestID)
        }
        // A response that waited for Kafka would take its delivery timeout (60 s), so it would fail
        // at the client's 30 s timeout above; the median says that responses do not wait. No
        // bound on the slowest: beside the whole suite on 2 cores single replies took 8.5 s, over
        // 20 s and 28.6 s in three runs (the in-process upstream shares the test process's threads).
        let sorted = latencies.sorted()
        let median = sorted[sorted.count / 2], slowest = sorted[sorted.count - 1]
        #expect(median < .seconds(1), "responses waited for Kafka: median \(median), slowest \(slowest)")
        // Exchanges wait in the queue until the first reachability check gives up (2 s), then spool.
        try await producer.waitForMetric("auditshipper_exchanges_spooled_total", atLeast: 60, timeout: .seconds(15))
        let spooled = try await producer.metric("auditshipper_exchanges_spooled_total")
        #expect(spooled == 60, "spooled \(spooled) of 60")
        let readiness = try await HTTPTestClient.send("\(producer.adminURL)/readyz", method: .GET)
        #expect(readiness.status == 200 && String(buffer: readiness.body).contains("spooling"), "\(String(buffer: readiness.body))")
        try await stack.broker?.start()
        let collector = try stack.collector()
        let missing = try await collector.waitForAll(Set(sent), timeout: .seconds(90))
        #expect(missing.isEmpty, "missing after the broker started: \(missing.sorted())")
        try await producer.waitUntilDrained(timeout: .seconds(60))
        try await collector.waitUntilCaughtUp()
        let received = collector.all
        #expect(received.count == sent.count, "an envelope arrived twice")
        for tenant in 0..<3 {
            let ordered = received.filter { $0.key == "tenant-\(tenant)" }.sorted { $0.positions[0] < $1.positions[0] }.map(\.record.requestID)
            #expect(ordered == ordered.sorted(), "tenant-\(tenant) out of order: \(ordered)")
            #expect(Set(received.filter { $0.key == "tenant-\(tenant)" }.map { $0.positions[0].partition }).count == 1)
        }
        let replayed = try await producer.metric("auditshipper_exchanges_replayed_total")
        #expect(replayed == 60, "replayed \(replayed) of 60")
        try await collector.stop()
        #expect(await producer.terminate() == 0)
        await stack.stop()
    }

    @Test("an S3-backed broker killed and restarted mid-load of 2,000 exchanges: every acknowledged exchange reaches Kafka")
    func brokerKilledMidLoad() async throws {
        let stack = try await PublisherStack.start("kill", broker: .ownOnS3)
        let broker = try #require(stack.broker)
        let producer = try await stack.producer(["--log-level", "debug"])

        let restarted = RestartOnce()
        let acknowledged = await Self.load(producer, count: 2000, concurrency: 8, prefix: "kill") { done in
            if done == 600 {
                await restarted.run {
                    try? await broker.kill()
                    // Down until the producer has noticed (its check runs every 5 s), then back.
                    try? await Waiting.until("the producer to see the broker gone", timeout: .seconds(15)) {
                        try await producer.metric("auditshipper_kafka_reachable") == 0
                    }
                    try? await broker.start()
                }
            }
            return true
        }
        #expect(await restarted.didRun)
        #expect(acknowledged.count == 2000)
        try await producer.waitUntilDrained(timeout: .seconds(120))

        let collector = try stack.collector()
        let missing = try await collector.waitForAll(Set(acknowledged), timeout: .seconds(30))
        // Tansu 0.6 with S3 storage loses batches it acknowledged just before it dies (reproduced
        // with confluent-kafka alone); the producer's delivery receipts tell those apart from
        // exchanges this project would have lost.
        let lostByBroker = Self.lostByBroker(receiptsIn: producer.log, received: collector.all)
        print("broker kill: \(acknowledged.count) acknowledged to clients, \(missing.count) missing, \(lostByBroker.count) of them acknowledged by the broker and lost by it")
        if missing.count > lostByBroker.count {
            var counts: [String] = []
            for name in ["captured", "published", "replayed", "spooled", "dropped"] {
                counts.append("\(name) \(try await producer.metric("auditshipper_exchanges_\(name)_total"))")
            }
            counts.append("in flight \(try await producer.metric("auditshipper_kafka_in_flight"))")
            Issue.record("\(missing.count - lostByBroker.count) acknowledged exchanges lost by the producer, e.g. \(missing.sorted().prefix(5)); \(counts.joined(separator: ", ")); receipts logged: \(producer.log.components(separatedBy: "envelope delivered").count - 1)")
        }
        try await collector.stop()
        #expect(await producer.terminate() == 0)
        await stack.stop()
    }

    @Test("a producer killed with SIGKILL and restarted on its spool delivers what it spooled; losses stay within the bound")
    func producerKilled() async throws {
        let stack = try await PublisherStack.start("sigkill")
        let queueBytes = 64 * 1024
        let extra = ["--queue-max-bytes", String(queueBytes)]
        let first = try await stack.producer(extra)
        let killed = RestartOnce()
        let acknowledged = await Self.load(first, count: 400, concurrency: 4, prefix: "sigkill") { done in
            guard done >= 200 else { return true }
            await killed.run { first.kill() }
            return false
        }
        #expect(await killed.didRun)
        let spooledFiles = try FileManager.default.contentsOfDirectory(atPath: stack.spool).filter { $0.hasSuffix(".log") }
        #expect(!spooledFiles.isEmpty, "the broker was down, so envelopes must have been spooled")

        try await stack.broker?.start()
        let second = try await stack.producer(extra)
        try await second.waitUntilDrained(timeout: .seconds(60))
        let collector = try stack.collector()
        let missing = try await collector.waitForAll(Set(acknowledged), timeout: .seconds(20))
        // What SIGKILL can lose: the memory queue (at most queueBytes, each exchange holding at
        // least its two 2 KB bodies) and the exchanges in flight (being built or spooled), at most
        // one per connection plus the one the publisher holds.
        let bound = queueBytes / 4096 + 4 + 1
        print("producer SIGKILL: \(acknowledged.count) acknowledged to clients, \(missing.count) lost (bound \(bound))")
        #expect(missing.count <= bound, "lost \(missing.count), more than the documented bound \(bound)")
        #expect(acknowledged.count >= 200)
        #expect(try await second.metric("auditshipper_exchanges_replayed_total") > 0)
        try await collector.stop()
        #expect(await second.terminate() == 0)
        await stack.stop()
    }

    @Test("a 3 MB exchange travels in chunks and reassembles to identical bytes; a missing chunk is reported")
    func chunkedEnvelopes() async throws {
        let stack = try await PublisherStack.start("chunks", broker: .shared)
        let topic = stack.topic
        let producer = try await stack.producer()
        let collector = try stack.collector(chunkTimeout: .seconds(3))
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
        // The collector checks for expired sets (3 s) when a record arrives: once its timeout has
        // passed, send one to make it look.
        var nudges = 0
        try await Waiting.until("the incomplete chunk set to be reported", timeout: .seconds(30), interval: .seconds(1)) {
            guard collector.incompleteSets.isEmpty else { return true }
            nudges += 1
            _ = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [("Content-Type", "application/json"), ("X-Request-ID", "nudge-\(nudges)"), ("X-Tenant", "t")], body: Self.body(1))
            _ = try await collector.envelope(requestID: "nudge-\(nudges)")
            return !collector.incompleteSets.isEmpty
        }
        let reported = collector.incompleteSets
        #expect(reported.map(\.id) == [envelope.id])
        #expect(reported.first?.received == [0, 2])
        try await collector.stop()
        #expect(await producer.terminate() == 0)
        await stack.stop()
    }

    @Test("overflow policies: drop counts and drops, spool keeps everything, block waits and keeps everything")
    func overflowPolicies() async throws {
        for policy in ["drop", "spool", "block"] {
            let stack = try await PublisherStack.start("overflow-\(policy)", broker: .shared)
            // A queue smaller than one exchange overflows on every request (block: such an
            // exchange is spooled, since waiting could never end); a larger one fills under load.
            let queueBytes = policy == "block" ? "64KiB" : "1KiB"
            let producer = try await stack.producer(["--overflow-policy", policy, "--queue-max-bytes", queueBytes])
            let acknowledged = await Self.load(producer, count: 40, concurrency: 8, prefix: policy, bytes: 8192)
            #expect(acknowledged.count == 40, "\(policy): responses must never fail for auditing")
            let collector = try stack.collector()
            switch policy {
            case "drop":
                // Every dropped exchange is announced: drop notices cover sequences 1-40.
                try await Waiting.until("drop notices for 40 exchanges", timeout: .seconds(20)) { collector.notices.reduce(0, { $0 + $1.count }) >= 40 }
                try await collector.waitUntilCaughtUp()
                #expect(collector.all.isEmpty)
                #expect(try await producer.metric("auditshipper_exchanges_dropped_total{reason=\"queue_full\"}") == 40)
                let announced = collector.notices.flatMap { Array($0.firstSequence...$0.lastSequence) }.sorted()
                #expect(announced == Array(1...40), "announced \(announced)")
                #expect(collector.notices.allSatisfy { $0.reason == "queue_full" })
                #expect(Set(collector.notices.map(\.producer)).count == 1)
                try await ProxyCaptureTests.validate(collector.notices.map { $0.encoded() }, schema: "drop-notice-v1")
            default:
                let missing = try await collector.waitForAll(Set(acknowledged), timeout: .seconds(60))
                #expect(missing.isEmpty, "\(policy): missing \(missing.sorted())")
                #expect(try await producer.metric("auditshipper_exchanges_dropped_total") == 0)
                if policy == "spool" { #expect(try await producer.metric("auditshipper_exchanges_spooled_total") == 40) }
                // Numbered 1-40 by one producer, whatever the path.
                #expect(collector.all.compactMap(\.record.sequence).sorted() == Array(1...40))
                #expect(Set(collector.all.compactMap(\.record.producer)).count == 1)
            }
            try await collector.stop()
            #expect(await producer.terminate() == 0)
            await stack.stop()
        }
    }

    @Test("with unique keys an overflow spills only itself, as captured: the replay builds it redacted, and every exchange arrives once")
    func overflowSpillsCaptured() async throws {
        let stack = try await PublisherStack.start("overflow-captured", broker: .shared)
        // A queue smaller than one exchange: every exchange overflows and is spilled unbuilt.
        let producer = try await stack.producer(["--overflow-policy", "spool", "--queue-max-bytes", "1KiB"], keyHeader: false)
        let requestIDs = await withTaskGroup(of: String?.self) { group in
            for index in 0..<30 {
                group.addTask {
                    let requestID = "captured-\(index)"
                    let reply = try? await HTTPTestClient.send(
                        "\(producer.proxyURL)/api/echo",
                        headers: [("Content-Type", "application/json"), ("X-Request-ID", requestID), ("Authorization", "Bearer tok-\(index)-secret")],
                        body: ByteBuffer(string: #"{"user":"u\#(index)","password":"pw-\#(index)-secret","pad":"\#(String(repeating: "p", count: 4000))"}"#),
                        timeout: .seconds(30))
                    return reply?.status == 200 ? requestID : nil
                }
            }
            return await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(requestIDs.count == 30, "responses must never fail for auditing")
        let collector = try stack.collector()
        let missing = try await collector.waitForAll(Set(requestIDs), timeout: .seconds(60))
        #expect(missing.isEmpty, "missing \(missing.sorted())")
        #expect(try await producer.metric("auditshipper_exchanges_spooled_total") == 30)
        #expect(try await producer.metric("auditshipper_exchanges_dropped_total") == 0)
        try await Waiting.until("30 replayed", timeout: .seconds(20)) { try await producer.metric("auditshipper_exchanges_replayed_total") == 30 }
        for received in collector.all {
            #expect(received.key == received.record.exchangeID, "the default key is the exchange id")
            // The test upstream echoes the Authorization it saw under a name of its own, so only
            // the bodies' passwords and the request's own header are checked here.
            let leaksPassword = String(buffer: received.envelope.data).contains("\"pw-")
            #expect(!leaksPassword, "a spilled exchange is redacted when its envelope is built (\(received.record.requestID))")
            #expect(String(buffer: received.record.request.body.data).contains(#""password":"[REDACTED]""#))
            #expect(received.record.request.headers.first { $0.name.lowercased() == "authorization" }?.value == "[REDACTED]")
        }
        #expect(collector.all.compactMap(\.record.sequence).sorted() == Array(1...30))
        try await collector.stop()
        #expect(await producer.terminate() == 0)
        await stack.stop()
    }

    @Test("a full spool during an outage: every exchange is counted as spool_full and announced by a drop notice once Kafka is back")
    func spoolFull() async throws {
        let stack = try await PublisherStack.start("spoolfull")
        // Room for a drop notice (a few hundred bytes) but not for one 2 × 4 KB exchange.
        let producer = try await stack.producer(["--spool-max-bytes", "3KiB"])
        let acknowledged = await Self.load(producer, count: 10, concurrency: 2, prefix: "full", bytes: 4096)
        #expect(acknowledged.count == 10, "responses must never fail for auditing")
        try await producer.waitForMetric("auditshipper_exchanges_dropped_total{reason=\"spool_full\"}", atLeast: 10, timeout: .seconds(20))
        #expect(try await producer.metric("auditshipper_exchanges_dropped_total{reason=\"spool_full\"}") == 10)
        #expect(try await producer.metric("auditshipper_exchanges_dropped_total") == 10, "no other reason")

        try await stack.broker?.start()
        let collector = try stack.collector()
        try await Waiting.until("drop notices for 10 exchanges", timeout: .seconds(60)) { collector.notices.reduce(0, { $0 + $1.count }) >= 10 }
        try await collector.waitUntilCaughtUp()
        let announced = collector.notices.flatMap { Array($0.firstSequence...$0.lastSequence) }.sorted()
        #expect(announced == Array(1...10), "announced \(announced)")
        #expect(collector.notices.allSatisfy { $0.reason == "spool_full" })
        #expect(collector.all.isEmpty)
        try await collector.stop()
        #expect(await producer.terminate() == 0)
        await stack.stop()
    }

    @Test("under overflow to the spool, each key's envelopes reach Kafka in the order its requests were made")
    func overflowKeepsOrder() async throws {
        let stack = try await PublisherStack.start("overflow-order")
        // Room for about three exchanges (each holds two 64 KiB capture buffers). Until the first
        // reachability check gives up (2 s, the broker is down) nothing leaves the queue, so the
        // first exchanges wait there while later ones of the same clients overflow to the spool.
        // Four builders on two cores: envelopes finish out of order and must still go out in order.
        let producer = try await stack.producer(["--overflow-policy", "spool", "--queue-max-bytes", "400KiB", "--build-threads", "4"])
        // Eight clients, one key each, each sending its requests one after another on its own
        // connection. (A request sent on a new connection the moment a response arrives may
        // overtake it: with --durability memory an exchange is handed over just after its response.)
        let acknowledged = await withTaskGroup(of: [String].self) { group in
            for client in 0..<8 {
                group.addTask {
                    let connection = HTTPTestClient.keepAliveClient()
                    var answered: [String] = []
                    for index in 0..<6 {
                        let requestID = "order-\(client)-\(String(format: "%03d", index))"
                        let reply = try? await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [
                            ("Content-Type", "application/json"), ("X-Request-ID", requestID), ("X-Tenant", "client-\(client)"),
                        ], body: Self.body(index, bytes: 8192), timeout: .seconds(10), using: connection)
                        if reply?.status == 200 { answered.append(requestID) }
                    }
                    try? await connection.shutdown()
                    return answered
                }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(acknowledged.count == 48)
        try await stack.broker?.start()
        let collector = try stack.collector()
        let missing = try await collector.waitForAll(Set(acknowledged), timeout: .seconds(60))
        #expect(missing.isEmpty)
        #expect(try await producer.metric("auditshipper_exchanges_spooled_total") == 48)
        for client in 0..<8 {
            let requests = collector.all.filter { $0.key == "client-\(client)" }.sorted { $0.positions[0] < $1.positions[0] }.map(\.record.requestID)
            #expect(requests == requests.sorted(), "client-\(client): envelopes out of request order: \(requests)")
        }
        try await collector.stop()
        #expect(await producer.terminate() == 0)
        await stack.stop()
    }

    @Test("a damaged spool record is skipped and counted; the rest is replayed after a graceful stop and restart")
    func damagedSpool() async throws {
        let stack = try await PublisherStack.start("damaged")
        let spool = stack.spool
        let first = try await stack.producer()
        for index in 0..<5 {
            _ = try await HTTPTestClient.send("\(first.proxyURL)/api/echo", headers: [
                ("Content-Type", "application/json"), ("X-Request-ID", "damaged-\(index)"), ("X-Tenant", "t"),
            ], body: Self.body(index, bytes: 4000))
        }
        try await first.waitForMetric("auditshipper_exchanges_spooled_total", atLeast: 5, timeout: .seconds(15))
        #expect(await first.terminate() == 0, "SIGTERM with Kafka down must still exit 0")

        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".log") }.sorted().first)
        let path = "\(spool)/\(segment)"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = Data("AUDITSHIPPER-SPOOL 1\n".utf8).count
        bytes[header + (bytes.count - header) / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))

        try await stack.broker?.start()
        let second = try await stack.producer()
        let collector = try stack.collector()
        try await Waiting.until("four replayed envelopes", timeout: .seconds(30)) { collector.all.count >= 4 }
        try await second.waitUntilDrained(timeout: .seconds(30))
        try await collector.waitUntilCaughtUp()
        #expect(collector.all.count == 4, "four intact records replayed: \(collector.all.map(\.record.requestID))")
        #expect(try await second.metric("auditshipper_spool_damaged_records_total") == 1)
        #expect(second.log.contains("damaged"))
        try await collector.stop()
        #expect(await second.terminate() == 0)
        await stack.stop()
    }

    @Test("an envelope too large for Kafka, spooled during an outage, is dropped and counted on replay, and the replay goes on")
    func tooLargeDuringReplay() async throws {
        let stack = try await PublisherStack.start("too-large")
        let producer = try await stack.producer()
        // Broker down: all three spool. The middle one's key (its X-Tenant, 60 KB) does not fit
        // beside a full 1 MB chunk, so Kafka can never take it.
        for (index, tenant, bytes) in [(0, "t", 4000), (1, String(repeating: "k", count: 60_000), 990_000), (2, "t", 4000)] {
            let response = try await HTTPTestClient.send("\(producer.proxyURL)/api/echo", headers: [
                ("Content-Type", "application/json"), ("X-Request-ID", "too-large-\(index)"), ("X-Tenant", tenant),
            ], body: Self.body(index, bytes: bytes))
            #expect(response.status == 200)
        }
        try await producer.waitForMetric("auditshipper_exchanges_spooled_total", atLeast: 3, timeout: .seconds(15))
        #expect(try await producer.metric("auditshipper_exchanges_spooled_total") == 3)

        try await stack.broker?.start()
        let collector = try stack.collector()
        try await Waiting.until("two envelopes replayed and the spool empty", timeout: .seconds(60)) {
            guard collector.all.count >= 2 else { return false }
            return try await producer.metric("auditshipper_spool_files") == 0
        }
        try await collector.waitUntilCaughtUp()
        #expect(collector.all.map(\.record.requestID).sorted() == ["too-large-0", "too-large-2"])
        #expect(try await producer.metric("auditshipper_exchanges_dropped_total{reason=\"too_large\"}") == 1)
        #expect(try await producer.metric("auditshipper_spool_files") == 0, "the replay stopped at the too-large envelope")
        try await collector.stop()
        #expect(await producer.terminate() == 0, "shutdown hung behind the replay")
        await stack.stop()
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
