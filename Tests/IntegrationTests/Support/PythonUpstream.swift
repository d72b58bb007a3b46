import Foundation

/// The uvicorn (h11) app of `Tests/IntegrationTests/Fixtures/asgi_upstream.py` on 127.0.0.1: an
/// upstream that behaves as Python frameworks do (it routes the percent-decoded path and tells
/// which path it saw; `/…/echo` echoes the body). Started from the project's venv.
final class PythonUpstream: Sendable {
    let port: Int
    private let process: FixtureProcess

    private init(port: Int, process: FixtureProcess) {
        self.port = port
        self.process = process
    }

    static func start() async throws -> PythonUpstream {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("asgi-upstream-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let process = try FixtureProcess.start(ProjectPaths.python, arguments: [ProjectPaths.fixture("asgi_upstream.py"), portFile], name: "uvicorn")
        var port: Int?
        do {
            try await Waiting.until("uvicorn to write its port", timeout: .seconds(20), interval: .milliseconds(50), detail: { process.log }) {
                port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
                guard port == nil else { return true }
                guard process.isRunning else { throw FixtureProcess.Failure(description: "uvicorn exited (is it in the venv? run scripts/setup): \(process.log)") }
                return false
            }
        } catch {
            await process.kill()
            throw error
        }
        return PythonUpstream(port: port ?? 0, process: process)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Kills the app. SIGKILL, not SIGTERM: uvicorn's graceful shutdown waits for the proxy's
    /// pooled keep-alive connections, which never close by themselves.
    func stop() {
        process.killNow()
    }
}
