import Foundation

/// Runs a peer client (kcat, Python) and captures its output.
enum ProcessRunner {
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let output: String
        var description: String { "\(command) exited with \(status): \(output)" }
    }

    /// Runs `arguments` through `/usr/bin/env` (so `PATH` and `LD_LIBRARY_PATH` apply), killing it
    /// after `timeout`.
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
    /// whatever the status.
    static func outcome(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, standardOutput: Data, standardError: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Files, not pipes: a child writing more than a pipe holds would block until it is read.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("stdout")
        let errorsURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorsURL)
        defer {
            try? output.close()
            try? errors.close()
        }
        process.standardOutput = output
        process.standardError = errors
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
        }
        defer { watchdog.cancel() }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let stdout = try Data(contentsOf: outputURL)
        let stderr = String(decoding: try Data(contentsOf: errorsURL), as: UTF8.self)
        return (status, stdout, stderr)
    }
}
