import Synchronization
import TestSupport
import Testing

@testable import AuditPublisher

@Suite("Ordered builds")
struct OrderedBuildsTests {
    /// Counts builds in progress and the most seen at once.
    private final class Concurrency: Sendable {
        private let state = Mutex((current: 0, peak: 0))
        func enter() { state.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) } }
        func leave() { state.withLock { $0.current -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
    }

    /// Builds that finish in a random order (fixed seed) are delivered in the order they were
    /// taken, and no more than `width` run at once.
    @Test(
        "builds finishing out of order are delivered in arrival order, never more than width at once",
        .timeLimit(.minutes(1)),
        arguments: [(1, 0), (1, 7), (2, 1), (2, 40), (3, 40), (8, 5), (8, 100), (0, 3), (-1, 3), (Int.max, 20)])
    func arrivalOrder(width: Int, count: Int) async {
        var generator = SplitMix64(seed: UInt64(count) &* 31 &+ UInt64(truncatingIfNeeded: width))
        let delays = (0..<count).map { _ in Int.random(in: 0...3, using: &generator) }
        let concurrency = Concurrency()
        var taken = 0
        var delivered: [Int] = []
        await OrderedBuilds<Int, Int>(width: width).run(next: { () -> Int? in
            guard taken < count else { return nil }
            defer { taken += 1 }
            return taken
        }, build: { item in
            concurrency.enter()
            defer { concurrency.leave() }
            try? await Task.sleep(for: .milliseconds(delays[item]))
            return item * 10
        }, deliver: { item, built in
            #expect(built == item * 10)
            delivered.append(item)
        })
        #expect(delivered == Array(0..<count))
        #expect(concurrency.peak <= max(1, width))
    }

    /// The first build cannot finish until the other ones have: a builder that ran one at a time
    /// would never get past it (the time limit fails the test). The first is still delivered first.
    @Test("the builds run at once: the first finishes only after the later ones, and is delivered first", .timeLimit(.minutes(1)))
    func buildsOverlap() async {
        let width = 4
        let laterFinished = Latch(count: width - 1)
        var delivered: [Int] = []
        var taken = 0
        await OrderedBuilds<Int, Int>(width: width).run(next: { () -> Int? in
            guard taken < width else { return nil }
            defer { taken += 1 }
            return taken
        }, build: { item in
            if item == 0 { await laterFinished.wait() } else { laterFinished.arrive() }
            return item
        }, deliver: { item, _ in
            delivered.append(item)
        })
        #expect(delivered == [0, 1, 2, 3])
    }

    /// Opens once `count` arrivals happened.
    private final class Latch: Sendable {
        private let state: Mutex<(remaining: Int, waiter: CheckedContinuation<Void, Never>?)>

        init(count: Int) { state = Mutex((count, nil)) }

        func arrive() {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.remaining -= 1
                guard state.remaining == 0 else { return nil }
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                let open = state.withLock { state -> Bool in
                    if state.remaining <= 0 { return true }
                    state.waiter = continuation
                    return false
                }
                if open { continuation.resume() }
            }
        }
    }
}
