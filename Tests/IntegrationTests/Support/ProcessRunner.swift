import Foundation

/// Runs a peer client (kcat, Python, `audit-archive`) to its end and captures its output.
enum ProcessRunner {
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let output: String
        var description: String { "\(command) exited with \(status): \(output)" }
    }

    /// Runs `arguments` (the first looked up in `PATH`, so `PATH` and `LD_LIBRARY_PATH` apply),
    /// stopping its process group after `timeout`.
    /// - Returns: Standard output.
    /// - Throws: ``Failure`` on a non-zero exit, with standard error.
    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Data {
        let result = try await outcome(arguments, timeout: timeout)
        guard result.status == 0 else {
            throw Failure(command: arguments.joined(separator: " "), status: result.status, output: result.standardError)
        }
        return result.standardOutput
    }

    /// Runs `arguments` like ``run(_:timeout:)`` and returns the exit status and both outputs,
    /// whatever the status. Its process group is its own (``FixtureProcess``) and is killed when
    /// it ends or times out, so nothing it started outlives it.
    static func outcome(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, standardOutput: Data, standardError: String) {
        // Files, not pipes: a child writing more than a pipe holds would block until it is read.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputPath = directory.appendingPathComponent("stdout").path
        guard let executable = arguments.first else { throw Failure(command: "", status: -1, output: "no command") }
        let process = try FixtureProcess.startOwned(
            executable, arguments: Array(arguments.dropFirst()), environment: environment, outputPath: outputPath)
        var status = await process.waitForExit(timeout: timeout)
        if status == nil {
            status = await process.stop(grace: .seconds(2))
        }
        let stdout = (try? Data(contentsOf: URL(fileURLWithPath: outputPath))) ?? Data()
        return (status ?? -1, stdout, process.log)
    }
}
