import Foundation

/// A Tansu broker of a test's own, managed through scripts/broker, for tests that stop, kill or
/// restart the broker.
struct LocalBroker {
    let port: Int
    let s3: Bool

    /// A port no other test uses (the shared broker is on 19192).
    static func freePort() -> Int { Int.random(in: 20_000..<29_000) }

    var bootstrap: String { "127.0.0.1:\(port)" }

    private static var script: String {
        let root = ProcessInfo.processInfo.environment["AUDITSHIPPER_ROOT"] ?? FileManager.default.currentDirectoryPath
        return "\(root)/scripts/broker"
    }

    func start() async throws {
        _ = try await ProcessRunner.run([Self.script, "start", "--port", String(port)] + (s3 ? ["--s3"] : []), timeout: .seconds(60))
    }

    /// SIGKILL the broker only; with S3 storage its data survives.
    func kill() async throws {
        _ = try await ProcessRunner.run([Self.script, "kill", "--port", String(port)])
    }

    /// Stops the broker and its S3 server.
    func stop() async {
        _ = try? await ProcessRunner.run([Self.script, "stop", "--port", String(port)])
    }
}
