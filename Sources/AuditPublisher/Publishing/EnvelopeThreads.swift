import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Threads that build envelopes, at a lower scheduling priority than the threads serving requests.
///
/// Building an envelope (JSON validation, SHA-256, copying the bodies) takes milliseconds per MB.
/// On a busy machine that work would otherwise take a core from a request in flight, which is how
/// auditing would show in the responses' tail latency. On Linux these threads raise their own nice
/// value, so the scheduler serves request-serving threads first and envelopes use what is left.
final class EnvelopeThreads: Sendable {
    /// The nice value the threads take on Linux (0 is the default, 19 the lowest priority).
    static let niceValue: Int32 = 10

    private let pool: NIOThreadPool

    /// Starts `count` threads (at least one).
    init(count: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, count))
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// Runs `body` on one of the threads and returns its result.
    func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        // The pool is shut down only when this object goes away, so it is active while anyone can
        // call this; the fallback only satisfies the API.
        let result = try? await pool.runIfActive { () -> Value in
            Self.lowerPriority()
            return body()
        }
        return result ?? body()
    }

    private static func lowerPriority() {
        #if os(Linux)
        // On Linux the nice value belongs to the calling thread, not the process. A process that
        // was started nicer still keeps its own value: this only ever lowers the priority.
        let thread = __priority_which_t(PRIO_PROCESS.rawValue)
        if getpriority(thread, 0) < niceValue { _ = setpriority(thread, 0, niceValue) }
        #endif
    }
}
