import Synchronization

/// What the admin endpoints report about the archiving worker.
public final class WorkerStatus: Sendable {
    /// One probe's answer: whether it passes, and a line for the operator.
    public struct Check: Sendable, Equatable {
        /// Whether the probe passes.
        public var passes: Bool
        /// Why, in a few words.
        public var message: String
    }

    private struct State {
        var joined = false
        var assigned = 0
        var failure: String?
        var refused: Set<String> = []
    }

    private let state = Mutex(State())

    /// A status before the member has joined its group.
    public init() {}

    func joined(assigned: Int) {
        state.withLock {
            $0.joined = true
            $0.assigned = assigned
        }
    }

    /// `partition` is refused: another writer holds its lock.
    func refused(_ partition: String) {
        state.withLock { _ = $0.refused.insert(partition) }
    }

    /// `partition` is archived here, or no longer assigned: not refused.
    func accepted(_ partition: String) {
        state.withLock { _ = $0.refused.remove(partition) }
    }

    func failed(_ reason: String) {
        state.withLock { $0.failure = reason }
    }

    /// Liveness: fails once archiving failed (a disk error); a restart resumes from the archive.
    public var health: Check {
        state.withLock { state in
            guard let failure = state.failure else { return Check(passes: true, message: "ok") }
            return Check(passes: false, message: "unhealthy: archiving failed, restart required: \(failure)")
        }
    }

    /// Readiness: the member has joined its group and holds its assignment.
    public var readiness: Check {
        state.withLock { state in
            guard state.failure == nil else { return Check(passes: false, message: "not ready: archiving failed") }
            guard state.joined else { return Check(passes: false, message: "not ready: joining the consumer group") }
            guard state.refused.isEmpty else {
                return Check(passes: true, message: "ready: \(state.assigned) partitions assigned; refused (another writer holds the lock): \(state.refused.sorted().joined(separator: ", "))")
            }
            return Check(passes: true, message: "ready: \(state.assigned) partitions assigned")
        }
    }
}
