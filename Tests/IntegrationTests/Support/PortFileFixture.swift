import Foundation

/// A Python fixture of `Tests/IntegrationTests/Fixtures` that binds an ephemeral port on
/// 127.0.0.1 and writes it to the file named by its first argument; started from the venv.
enum PortFileFixture {
    /// Starts `script` with a port file and `arguments`, and waits for the port.
    /// - Throws: When the script exits first or writes no port within 20 s (it is then killed).
    static func start(_ script: String, arguments: [String] = [], name: String) async throws -> (port: Int, process: FixtureProcess) {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let process = try FixtureProcess.start(ProjectPaths.python, arguments: [ProjectPaths.fixture(script), portFile] + arguments, name: name)
        var port: Int?
        do {
            try await Waiting.until("\(name) to write its port", timeout: .seconds(20), interval: .milliseconds(50), detail: { process.log }) {
                port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
                guard port == nil else { return true }
                guard process.isRunning else { throw FixtureProcess.Failure(description: "\(script) exited (is it in the venv? run scripts/setup): \(process.log)") }
                return false
            }
        } catch {
            await process.kill()
            throw error
        }
        return (port ?? 0, process)
    }
}
