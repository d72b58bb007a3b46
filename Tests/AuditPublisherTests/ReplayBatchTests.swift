import Testing

@testable import AuditPublisher

@Suite("Replay batch")
struct ReplayBatchTests {
    @Test(
        "the prefix counts only entries done with from the start, replayed only those delivered within it; a second outcome is ignored",
        arguments: [
            ([ReplayBatch.Outcome.delivered, .kept, .delivered, .kept], 1, 1),
            ([.delivered, .delivered, .delivered], 3, 3),
            ([.dropped, .delivered, .kept], 2, 1),
            ([.kept, .delivered, .delivered], 0, 0),
            ([.delivered, .dropped, .dropped], 3, 1),
        ] as [([ReplayBatch.Outcome], Int, Int)])
    func prefix(outcomes: [ReplayBatch.Outcome], prefix: Int, replayed: Int) async {
        let batch = ReplayBatch(count: outcomes.count)
        for (index, outcome) in outcomes.enumerated() {
            batch.record(index, outcome)
            batch.record(index, outcome == .kept ? .delivered : .kept)
        }
        let result = await batch.wait()
        #expect(result.prefix == prefix)
        #expect(result.replayed == replayed)
    }

    @Test("drop notices and marks in the prefix leave the spool but are not counted as exchanges replayed")
    func producerEvents() async {
        let batch = ReplayBatch(exchanges: [true, false, true, false, true])
        for index in 0..<4 { batch.record(index, .delivered) }
        batch.record(4, .kept)
        let result = await batch.wait()
        #expect(result.prefix == 4)
        #expect(result.replayed == 2)
    }

    @Test("entries never sent are kept; out-of-range indices change nothing")
    func abandoned() async {
        let batch = ReplayBatch(count: 4)
        batch.record(0, .delivered)
        batch.record(1, .delivered)
        batch.record(-1, .kept)
        batch.record(4, .kept)
        batch.record(Int.max, .kept)
        batch.abandon(from: 2)
        batch.abandon(from: Int.max)
        let result = await batch.wait()
        #expect(result.prefix == 2)
        #expect(result.replayed == 2)
    }

    @Test("shutdown mid replay: a wait for outcomes that never come returns when its task is cancelled, with what is known", .timeLimit(.minutes(1)))
    func cancelledWait() async {
        let batch = ReplayBatch(count: 3)
        batch.record(0, .delivered)
        let waiter = Task { await batch.wait() }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        let (prefix, replayed) = await waiter.value
        #expect(prefix == 1, "the first entry was delivered; the other two stay in the spool")
        #expect(replayed == 1)
        // Outcomes arriving after the shutdown change nothing and trap nothing.
        batch.record(1, .delivered)
        batch.record(2, .kept)
    }

    @Test("a wait cancelled before it starts returns at once", .timeLimit(.minutes(1)))
    func cancelledBeforeWaiting() async {
        let batch = ReplayBatch(count: 2)
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await batch.wait()
        }
        let (prefix, _) = await waiter.value
        #expect(prefix == 0)
    }
}
