@testable import AuditPublisher
import Synchronization
import Testing
import TestSupport

/// What was admitted, in order.
private final class Admitted: Sendable {
    let labels = Mutex<[String]>([])
    var all: [String] { labels.withLock { $0 } }
}

/// Bytes held by admitted tasks, and how often they passed the limit.
private final class Held: Sendable {
    let state = Mutex((held: 0, violations: 0))
}

@Suite("Byte admission")
struct ByteAdmissionTests {
    /// Starts `admit(bytes)` in a task that records `label` once admitted.
    private static func admit(_ admission: ByteAdmission, _ bytes: Int, _ label: String, into admitted: Admitted) -> Task<Void, Never> {
        Task {
            await admission.admit(bytes)
            admitted.labels.withLock { $0.append(label) }
        }
    }

    static func settle(_ admission: ByteAdmission, waiting: Int) async throws {
        for _ in 0..<500 where admission.waiting != waiting { try await Task.sleep(for: .milliseconds(2)) }
        #expect(admission.waiting == waiting)
    }

    @Test("within the limit requests are admitted at once; past it they wait, and are admitted in order as bytes come back")
    func waitsInOrder() async throws {
        let admission = ByteAdmission(limit: 100)
        let admitted = Admitted()
        await admission.admit(60)
        await admission.admit(40)
        #expect(admission.usedBytes == 100)
        let first = Self.admit(admission, 50, "a", into: admitted)
        try await Self.settle(admission, waiting: 1)
        let second = Self.admit(admission, 10, "b", into: admitted)
        try await Self.settle(admission, waiting: 2)
        admission.release(40)
        // 60 + 10 would fit, but "b" came after "a", which does not fit yet: nobody overtakes.
        try await Task.sleep(for: .milliseconds(20))
        #expect(admitted.all.isEmpty)
        admission.release(60)
        await first.value
        await second.value
        #expect(admitted.all == ["a", "b"])
        #expect(admission.usedBytes == 60)
    }

    @Test("a request larger than the whole limit is admitted alone, not never")
    func oversized() async throws {
        let admission = ByteAdmission(limit: 100)
        let admitted = Admitted()
        await admission.admit(10)
        let big = Self.admit(admission, 500, "big", into: admitted)
        try await Self.settle(admission, waiting: 1)
        admission.release(10)
        await big.value
        #expect(admission.usedBytes == 500)
        let small = Self.admit(admission, 1, "small", into: admitted)
        try await Self.settle(admission, waiting: 1)
        admission.release(500)
        await small.value
        #expect(admitted.all == ["big", "small"])
    }

    @Test("fixed-seed random admits and releases never hold more than the limit, except one oversized alone, and all finish")
    func randomBound() async throws {
        var random = SplitMix64(seed: 17)
        let admission = ByteAdmission(limit: 1000)
        let peak = Held()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                let bytes = Int(random.next() % 1200) + 1
                let pause = Int(random.next() % 3)
                group.addTask {
                    await admission.admit(bytes)
                    peak.state.withLock { state in
                        state.held += bytes
                        if state.held > 1000, state.held != bytes { state.violations += 1 }
                    }
                    try? await Task.sleep(for: .milliseconds(pause))
                    peak.state.withLock { $0.held -= bytes }
                    admission.release(bytes)
                }
            }
        }
        #expect(peak.state.withLock { $0.violations } == 0)
        #expect(admission.usedBytes == 0)
        #expect(admission.waiting == 0)
    }
}
