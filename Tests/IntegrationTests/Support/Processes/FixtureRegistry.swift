import Foundation
import Synchronization

/// Every fixture process of the test process that is still running. When the test process
/// exits (normally, or after a test called `exit`), an exit handler kills their groups, so that
/// none outlives the run even if a scope never ended.
final class FixtureRegistry: Sendable {
    static let shared: FixtureRegistry = {
        let registry = FixtureRegistry()
        atexit { FixtureRegistry.shared.killAll() }
        return registry
    }()

    private let running = Mutex<[pid_t: FixtureProcess]>([:])

    func insert(_ process: FixtureProcess) {
        running.withLock { $0[process.pid] = process }
    }

    func remove(_ pid: pid_t) {
        _ = running.withLock { $0.removeValue(forKey: pid) }
    }

    /// SIGKILL to every group still registered.
    func killAll() {
        running.withLock { $0 }.values.forEach { $0.killNow() }
    }
}
