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
        /// Partitions not taken because their newest manifest failed the checks, with why.
        var untrusted: [String: String] = [:]
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

    /// `partition` is not taken: its newest manifest cannot be trusted (`reason`).
    func untrusted(_ partition: String, _ reason: String) {
        state.withLock { $0.untrusted[partition] = reason }
    }

    /// Whether `partition` was not taken for an untrusted head.
    func isUntrusted(_ partition: String) -> Bool {
        state.withLock { $0.untrusted[partition] != nil }
    }

    /// `partition` is archived here, or no longer assigned: not refused.
    func accepted(_ partition: String) {
        state.withLock { state in
            state.refused.remove(partition)
            state.untrusted[partition] = nil
        }
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
            guard state.untrusted.isEmpty else {
                let partitions = state.untrusted.keys.sorted().joined(separator: ", ")
                return Check(passes: false, message: "not ready: newest manifest not trusted, partitions not archived: \(partitions)")
            }
            guard state.refused.isEmpty else {
                return Check(passes: true, message: "ready: \(state.assigned) partitions assigned; refused (another writer holds the lock): \(state.refused.sorted().joined(separator: ", "))")
            }
            return Check(passes: true, message: "ready: \(state.assigned) partitions assigned")
        }
    }
}
