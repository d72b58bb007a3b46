import Foundation
import NIOCore

/// A moto S3 server (PyPI `moto[server]`, from the project's venv) on 127.0.0.1 for object-store
/// tests, with one empty bucket.
final class MotoServer: Sendable {
    let port: Int
    let bucket: String
    private let process: Process

    private init(port: Int, bucket: String, process: Process) {
        self.port = port
        self.bucket = bucket
        self.process = process
    }

    static func start(bucket: String = "archive-bucket") async throws -> MotoServer {
        let port = LocalBroker.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: URL(fileURLWithPath: ProjectPaths.python).deletingLastPathComponent().appendingPathComponent("moto_server").path)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = MotoServer(port: port, bucket: bucket, process: process)
        for _ in 0..<200 {
            // moto checks no signature by default: a plain PUT creates the bucket.
            if let reply = try? await HTTPTestClient.send("\(server.url)/\(bucket)", method: .PUT, timeout: .seconds(2)), reply.status == 200 {
                return server
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        server.stop()
        throw ProcessRunner.Failure(command: "moto_server", status: -1, output: "did not start on 127.0.0.1:\(port) (is moto[server] in the venv? run scripts/setup)")
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Kills the server (its state is of no use after the test).
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
