import Foundation
import Synchronization

/// A process that a test starts (a broker, moto, an upstream, a producer, a consumer, a peer
/// client), in a process group of its own, with standard input from `/dev/null` and its output in
/// a log file (never the test runner's pipe: a fixture left running would hold that pipe open,
/// and `swift test` would wait for its end for ever).
///
/// A fixture belongs to the ``FixtureScope`` of the test that starts it, which stops its whole
/// process group when the test ends, whatever the outcome; ``start(_:arguments:name:environment:)``
/// refuses to start one outside a scope.
final class FixtureProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The process id, which is also its process group id.
    let pid: pid_t
    /// What the fixture is, for logs and failures.
    let name: String
    /// The file holding its standard output and error.
    let logPath: String
    /// The exit status once the process has ended: its exit code, or 128 + the signal that ended it.
    private let exit = Mutex<Int32?>(nil)

    private init(pid: pid_t, name: String, logPath: String) {
        self.pid = pid
        self.name = name
        self.logPath = logPath
    }

    /// Starts `executable` (looked up in `PATH` when it has no `/`) with `arguments` in a new
    /// process group, inside the current test's ``FixtureScope``.
    /// - Parameters:
    ///   - name: A short name for the log file; defaults to the executable's file name.
    ///   - environment: Variables added to (or replacing) the test process's environment.
    /// - Throws: ``Failure`` outside a fixture scope or when the process cannot be spawned.
    static func start(
        _ executable: String,
        arguments: [String],
        name: String? = nil,
        environment: [String: String] = [:]
    ) throws -> FixtureProcess {
        guard let scope = FixtureScope.current else {
            throw Failure(description: "\(executable) started outside a fixture scope: mark the suite `.fixtures` (FixtureScope)")
        }
        let process = try spawn(executable, arguments: arguments, name: name, environment: environment, logDirectory: scope.logDirectory, outputPath: nil)
        scope.adopt(process)
        return process
    }

    /// Starts a process like ``start(_:arguments:name:environment:)`` that the caller waits for
    /// and stops itself (``ProcessRunner``), with its standard output in `outputPath` and its
    /// standard error in the log; outside a scope its log goes to the run's log folder.
    static func startOwned(
        _ executable: String,
        arguments: [String],
        name: String? = nil,
        environment: [String: String] = [:],
        outputPath: String
    ) throws -> FixtureProcess {
        let directory = FixtureScope.current?.logDirectory ?? FixtureLogs.directory(for: "unscoped")
        let process = try spawn(executable, arguments: arguments, name: name, environment: environment, logDirectory: directory, outputPath: outputPath)
        FixtureRegistry.shared.insert(process)
        return process
    }

    private static func spawn(
        _ executable: String,
        arguments: [String],
        name: String?,
        environment: [String: String],
        logDirectory: String,
        outputPath: String?
    ) throws -> FixtureProcess {
        let label = name ?? URL(fileURLWithPath: executable).lastPathComponent
        let logPath = FixtureLogs.newFile(in: logDirectory, name: label)
        var variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        variables["AUDITSHIPPER_FIXTURE"] = label
        let pid = try Spawner.spawn(
            executable: executable,
            arguments: [executable] + arguments,
            environment: variables.map { "\($0.key)=\($0.value)" },
            logPath: logPath,
            outputPath: outputPath
        )
        let process = FixtureProcess(pid: pid, name: label, logPath: logPath)
        process.startReaper()
        return process
    }

    /// Waits for the process's end on a thread of its own; once it has ended (not yet reaped, so
    /// its id cannot be reused), kills what is left of its group, then reaps it.
    private func startReaper() {
        let pid = self.pid
        let thread = Thread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
            Glibc.kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
            let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            exit.withLock { $0 = code }
            FixtureRegistry.shared.remove(pid)
        }
        thread.name = "reaper-\(name)"
        thread.start()
    }

    /// `true` until the process has ended.
    var isRunning: Bool { exit.withLock { $0 } == nil }

    /// The exit status, once it has ended.
    var exitStatus: Int32? { exit.withLock { $0 } }

    /// Waits up to `timeout` for the process to end.
    /// - Returns: Its exit status, or `nil` if it is still running.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatus { return status }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sends `signal` to the whole process group.
    func signal(_ signal: Int32) {
        guard isRunning else { return }
        Glibc.kill(-pid, signal)
    }

    /// SIGTERM to the group, then SIGKILL if it has not ended within `grace`.
    /// - Returns: The exit status.
    @discardableResult
    func stop(grace: Duration = .seconds(2)) async -> Int32 {
        signal(SIGTERM)
        if let status = await waitForExit(timeout: grace) { return status }
        return await kill()
    }

    /// SIGKILL to the group, as a crash or an OOM kill would; waits for the end.
    /// - Returns: The exit status.
    @discardableResult
    func kill() async -> Int32 {
        signal(SIGKILL)
        return await waitForExit(timeout: .seconds(30)) ?? 128 + SIGKILL
    }

    /// SIGKILL to the group without waiting (for exit handlers).
    func killNow() {
        Glibc.kill(-pid, SIGKILL)
    }

    /// What the process wrote so far (at most the last 64 MiB).
    var log: String {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 64 << 20 ? size - (64 << 20) : 0)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }
}
