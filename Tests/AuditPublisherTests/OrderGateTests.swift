import Synchronization
import Testing

@testable import AuditPublisher

@Suite("Order gate")
struct OrderGateTests {
    final class Tally: Sendable {
        private struct Counts {
            var inside = 0
            var most = 0
            var entries = 0
            var order: [Int] = []
        }

        private let counts = Mutex(Counts())

        func enter(_ index: Int) {
            counts.withLock {
                $0.inside += 1
                $0.most = max($0.most, $0.inside)
                $0.entries += 1
                $0.order.append(index)
            }
        }

        func leave() { counts.withLock { $0.inside -= 1 } }
        var most: Int { counts.withLock { $0.most } }
        var entries: Int { counts.withLock { $0.entries } }
        var order: [Int] { counts.withLock { $0.order } }
    }

    @Test("one holder at a time, however many tasks wait")
    func mutualExclusion() async {
        let gate = OrderGate()
        let tally = Tally()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for round in 0..<20 {
                        await gate.withGate {
                            tally.enter(task)
                            if (task + round) % 5 == 0 { await Task.yield() }
                            tally.leave()
                        }
                    }
                }
            }
        }
        #expect(tally.most == 1)
        #expect(tally.entries == 320)
    }

    /// Waits (yielding, up to 10 s) until `condition` holds.
    static func until(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    @Test("waiters are served in the order they arrived")
    func firstComeFirstServed() async throws {
        let gate = OrderGate()
        let tally = Tally()
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            await gate.withGate {
                tally.enter(0)
                for await _ in release { break }
                tally.leave()
            }
        }
        try await Self.until { tally.entries == 1 }
        var waiters: [Task<Void, Never>] = []
        for index in 1...5 {
            waiters.append(Task {
                await gate.withGate {
                    tally.enter(index)
                    tally.leave()
                }
            })
            // The next waiter arrives only once this one is queued.
            try await Self.until { gate.waiting == index }
        }
        releaser.finish()
        await first.value
        for waiter in waiters { await waiter.value }
        #expect(tally.order == [0, 1, 2, 3, 4, 5])
    }
}
