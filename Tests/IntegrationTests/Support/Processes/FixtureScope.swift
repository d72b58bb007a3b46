import Foundation
import Synchronization
import Testing

/// The processes one test started. The `.fixtures` trait gives each test of a suite its own
/// scope and, when the test ends (passed, failed or threw), stops every process group the test
/// started that is still running: SIGTERM, then SIGKILL after a short grace. A fixture cannot
/// be started outside a scope (``FixtureProcess/start(_:arguments:name:environment:)``), so no
/// test can leak one by forgetting to stop it.
final class FixtureScope: Sendable {
    /// The scope of the test running in this task, if any.
    @TaskLocal static var current: FixtureScope?

    /// Where this test's fixtures write their logs.
    let logDirectory: String
    private let processes = Mutex<[FixtureProcess]>([])

    init(testID: String) {
        logDirectory = FixtureLogs.directory(for: testID)
    }

    /// Takes `process` into the scope (and the run's registry, for the exit handler).
    func adopt(_ process: FixtureProcess) {
        processes.withLock { $0.append(process) }
        FixtureRegistry.shared.insert(process)
    }

    /// Stops every process of the scope still running, all at once.
    func stopAll() async {
        let running = processes.withLock { list in
            defer { list.removeAll() }
            return list.filter(\.isRunning)
        }
        await withTaskGroup(of: Void.self) { group in
            for process in running {
                group.addTask { await process.stop(grace: .seconds(3)) }
            }
        }
    }
}

/// Gives each test of a suite a ``FixtureScope`` (`@Suite(..., .fixtures)`).
struct FixtureScopeTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Suites get no scope of their own: their tests each get one.
        guard !test.isSuite else { return try await function() }
        let scope = FixtureScope(testID: "\(test.id)")
        do {
            try await FixtureScope.$current.withValue(scope) { try await function() }
        } catch {
            await scope.stopAll()
            throw error
        }
        await scope.stopAll()
    }
}

extension Trait where Self == FixtureScopeTrait {
    /// Every process a test of this suite starts is stopped when the test ends.
    static var fixtures: Self { FixtureScopeTrait() }
}
