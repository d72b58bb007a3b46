import Foundation

/// The uvicorn (h11) app of `Tests/IntegrationTests/Fixtures/asgi_upstream.py` on 127.0.0.1: an
/// upstream that behaves as Python frameworks do (it routes the percent-decoded path and tells
/// which path it saw; `/…/echo` echoes the body). Started from the project's venv.
final class PythonUpstream: Sendable {
    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    static func start() async throws -> PythonUpstream {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("asgi-upstream-\(UUID().uuidString)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProjectPaths.python)
        process.arguments = [ProjectPaths.fixture("asgi_upstream.py"), portFile]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                try? FileManager.default.removeItem(atPath: portFile)
                return PythonUpstream(port: port, process: process)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw ProcessRunner.Failure(command: "asgi_upstream.py", status: -1, output: "did not start (is uvicorn in the venv? run scripts/setup)")
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Kills the app. SIGKILL, not SIGTERM: uvicorn's graceful shutdown waits for the proxy's
    /// pooled keep-alive connections, which never close by themselves.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
