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
        let (port, process) = try await PortFileFixture.start("asgi_upstream.py", name: "uvicorn")
        return PythonUpstream(port: port, process: process)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Kills the app. SIGKILL, not SIGTERM: uvicorn's graceful shutdown waits for the proxy's
    /// pooled keep-alive connections, which never close by themselves.
    func stop() {
        process.killNow()
    }
}
