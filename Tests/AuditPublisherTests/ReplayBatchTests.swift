import Testing

@testable import AuditPublisher

@Suite("Replay batch")
struct ReplayBatchTests {
    @Test("the delivered prefix counts only entries delivered from the start; a second outcome for an entry is ignored")
    func prefix() async {
        let batch = ReplayBatch(count: 4)
        batch.record(0, delivered: true)
        batch.record(1, delivered: false)
        batch.record(1, delivered: true)
        batch.record(2, delivered: true)
        batch.abandon(from: 3)
        let (prefix, delivered) = await batch.wait()
        #expect(prefix == 1)
        #expect(delivered == 2)
    }

    @Test("shutdown mid replay: a wait for outcomes that never come returns when its task is cancelled, with what is known", .timeLimit(.minutes(1)))
    func cancelledWait() async {
        let batch = ReplayBatch(count: 3)
        batch.record(0, delivered: true)
        let waiter = Task { await batch.wait() }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        let (prefix, delivered) = await waiter.value
        #expect(prefix == 1, "the first entry was delivered; the other two stay in the spool")
        #expect(delivered == 1)
        // Outcomes arriving after the shutdown change nothing and trap nothing.
        batch.record(1, delivered: true)
        batch.record(2, delivered: false)
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
