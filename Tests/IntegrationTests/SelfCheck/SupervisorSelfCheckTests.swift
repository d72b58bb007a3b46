import Foundation
import Testing

/// Broken test runs that `scripts/test` starts on purpose, one scenario at a time
/// (`AUDITSHIPPER_SUPERVISOR_SELFCHECK`), and expects the test supervisor to end with a failure
/// within its deadline, leaving no process behind. Skipped in every other run.
@Suite("SupervisorSelfCheck: runs that scripts/test expects to fail", .enabled(if: SelfCheckScenario.current != nil), .fixtures)
struct SupervisorSelfCheckTests {
    /// A command line `pgrep -f` finds after the run: a Python that ignores SIGTERM and sleeps.
    static var stubborn: [String] {
        let token = ProcessInfo.processInfo.environment["AUDITSHIPPER_SELFCHECK_TOKEN"] ?? "auditshipper-selfcheck"
        return ["-c", "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)", token]
    }

    @Test("leaves a process that ignores SIGTERM and holds the runner's output open, then fails", .enabled(if: SelfCheckScenario.current == "leak"))
    func leak() throws {
        // Deliberately not a FixtureProcess: what a test that bypasses the fixtures would leave.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + Self.stubborn
        try process.run()
        Issue.record("fails on purpose, leaving pid \(process.processIdentifier) with the runner's stderr")
    }

    @Test("hangs past the suite deadline with a fixture that ignores SIGTERM", .enabled(if: SelfCheckScenario.current == "hang"))
    func hang() async throws {
        let fixture = try FixtureProcess.start("python3", arguments: Self.stubborn, name: "stubborn")
        try await Waiting.until("nothing: this test hangs on purpose", timeout: .seconds(600), interval: .seconds(1)) { !fixture.isRunning }
    }
}

/// The broken run `scripts/test` asks for (`AUDITSHIPPER_SUPERVISOR_SELFCHECK`: `leak` or `hang`).
enum SelfCheckScenario {
    static var current: String? { ProcessInfo.processInfo.environment["AUDITSHIPPER_SUPERVISOR_SELFCHECK"] }
}
