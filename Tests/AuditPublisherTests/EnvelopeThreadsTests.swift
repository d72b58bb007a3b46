#if os(Linux)
import Glibc
import Testing

@testable import AuditPublisher

@Suite("Envelope threads")
struct EnvelopeThreadsTests {
    private static func currentNice() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test("envelopes are built on threads at a lower priority, and the caller's stays as it was")
    func runsAtLowerPriority() async {
        let callerNice = Self.currentNice()
        let threads = EnvelopeThreads(count: 2)
        let results = await withTaskGroup(of: (Int32, Int).self) { group in
            for index in 0..<8 {
                group.addTask { await threads.run { (Self.currentNice(), index * index) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.map(\.1).sorted() == (0..<8).map { $0 * $0 })
        #expect(results.allSatisfy { $0.0 == max(EnvelopeThreads.niceValue, callerNice) })
        #expect(Self.currentNice() == callerNice)
    }
}
#endif
