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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
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
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        guard status == 0 else {
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Failure(command: arguments.joined(separator: " "), status: status, output: stderr)
        }
        return stdout
    }
}
