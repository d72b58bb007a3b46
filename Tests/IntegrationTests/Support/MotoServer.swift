import Foundation
import NIOCore

/// A moto S3 server (PyPI `moto[server]`, from the project's venv) on 127.0.0.1 with one empty
/// bucket, as a ``FixtureProcess``.
///
/// `serial` (the default) serves one request at a time (`Fixtures/serial_moto.py`). moto checks
/// `If-None-Match: *` and then writes, in two steps: under a threaded server two racing
/// conditional PUTs can both succeed, which real S3, MinIO and R2 never allow. Served one at a
/// time, a conditional write is atomic as it is on S3, so tests of racing writers test our code,
/// not moto's race.
final class MotoServer: Sendable {
    let port: Int
    let bucket: String
    private let process: FixtureProcess

    private init(port: Int, bucket: String, process: FixtureProcess) {
        self.port = port
        self.bucket = bucket
        self.process = process
    }

    static func start(bucket: String = "archive-bucket", serial: Bool = true) async throws -> MotoServer {
        let port = LocalBroker.freePort()
        let process = serial
            ? try FixtureProcess.start(ProjectPaths.python, arguments: [ProjectPaths.fixture("serial_moto.py"), String(port)], name: "serial-moto-\(port)")
            : try FixtureProcess.start(
                URL(fileURLWithPath: ProjectPaths.python).deletingLastPathComponent().appendingPathComponent("moto_server").path,
                arguments: ["-H", "127.0.0.1", "-p", String(port)], name: "moto-\(port)")
        let server = MotoServer(port: port, bucket: bucket, process: process)
        do {
            // Importing moto takes seconds of CPU; beside the whole suite on 2 cores, over 30 s.
            try await Waiting.until("moto to serve 127.0.0.1:\(port)", timeout: .seconds(120), interval: .milliseconds(100), detail: { process.log }) {
                guard process.isRunning else { throw FixtureProcess.Failure(description: "moto exited (is moto[server] in the venv? run scripts/setup): \(process.log)") }
                // moto checks no signature by default: a plain PUT creates the bucket.
                let reply = try? await HTTPTestClient.send("\(server.url)/\(bucket)", method: .PUT, timeout: .seconds(2))
                return reply?.status == 200
            }
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// What the server wrote: one line per request served (werkzeug's request log).
    var log: String { process.log }

    /// Kills the server (its state is of no use after the test).
    func stop() {
        process.killNow()
    }
}
