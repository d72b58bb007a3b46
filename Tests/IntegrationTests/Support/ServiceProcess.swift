import Foundation
import NIOCore

/// A running service binary (`audit-producer`, `audit-consumer`; built by scripts/test), with its
/// listening ports on 127.0.0.1: a ``FixtureProcess``, stopped when its test ends.
final class ServiceProcess: Sendable {
    struct NotStarted: Error, CustomStringConvertible {
        let output: String
        var description: String { "service did not start: \(output)" }
    }

    /// How long ``terminate(within:)`` waits by default: longer than the producer's documented
    /// shutdown bound (`--shutdown-timeout` 15 s + `--drain-timeout` 10 s).
    static let shutdownBound: Duration = .seconds(30)

    /// The ports of the listeners, in the order of the markers given to `start`; the last is the
    /// admin listener.
    let ports: [Int]
    private let process: FixtureProcess

    private init(process: FixtureProcess, ports: [Int]) {
        self.process = process
        self.ports = ports
    }

    /// The folder with the built executables, from `AUDITSHIPPER_BIN_DIR` (set by scripts/test).
    static func binary(_ name: String) throws -> String {
        guard let directory = ProcessInfo.processInfo.environment["AUDITSHIPPER_BIN_DIR"] else {
            throw NotStarted(output: "AUDITSHIPPER_BIN_DIR is not set: run the tests through scripts/test")
        }
        return "\(directory)/\(name)"
    }

    /// A fresh spool directory under the temporary directory.
    static func temporarySpool() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("audit-spool-\(UUID().uuidString)").path
    }

    /// Starts the executable `name` and waits until it has logged each of `markers` (log lines
    /// naming a 127.0.0.1 address) with a port.
    static func start(
        _ name: String,
        arguments: [String],
        listening markers: [String],
        environment extra: [String: String] = [:]
    ) async throws -> ServiceProcess {
        let process = try FixtureProcess.start(try binary(name), arguments: arguments, name: name, environment: extra)
        var ports: [Int] = []
        do {
            try await Waiting.until("\(name) to log \(markers)", timeout: .seconds(15), interval: .milliseconds(50), detail: { process.log }) {
                let text = process.log
                ports = markers.compactMap { port(after: $0, in: text) }
                guard ports.count < markers.count else { return true }
                guard process.isRunning else { throw NotStarted(output: "\(name) exited with \(process.exitStatus ?? -1):\n\(text)") }
                return false
            }
        } catch {
            await process.kill()
            throw error
        }
        return ServiceProcess(process: process, ports: ports)
    }

    /// The port in `...:PORT ...` of the log line containing `marker`.
    private static func port(after marker: String, in text: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(marker) }),
            let range = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression)
        else { return nil }
        return Int(line[range].split(separator: ":").last ?? "")
    }

    var adminPort: Int { ports.last ?? 0 }
    var adminURL: String { "http://127.0.0.1:\(adminPort)" }
    var log: String { process.log }
    var isRunning: Bool { process.isRunning }

    /// The process's peak resident set size so far (`VmHWM` in /proc), in MiB.
    func peakResidentMiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw NotStarted(output: "no VmHWM in /proc status") }
        return kilobytes / 1024
    }

    /// Kills the process with SIGKILL, as a crash or an OOM kill would, and waits for its end.
    /// Synchronous, for `defer`: the wait is on the fixture's reaper thread.
    func kill() {
        process.killNow()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { usleep(2_000) }
    }

    /// Reads one Prometheus metric (summed over its labels) from the admin listener.
    func metric(_ name: String) async throws -> Double {
        let reply = try await HTTPTestClient.send("\(adminURL)/metrics", method: .GET)
        return String(buffer: reply.body).split(separator: "\n")
            .filter { $0.hasPrefix(name) && ($0.dropFirst(name.count).first == " " || $0.dropFirst(name.count).first == "{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }

    /// Waits until `metric` reaches at least `value`.
    func waitForMetric(_ name: String, atLeast value: Double, timeout: Duration = .seconds(60)) async throws {
        var last = 0.0
        try await Waiting.until("\(name) >= \(value)", timeout: timeout, interval: .milliseconds(200), detail: { "last \(last); log:\n\(log.suffix(3000))" }) {
            last = try await metric(name)
            return last >= value
        }
    }

    /// Waits until a line of the log contains every one of `fragments`.
    func waitForLog(_ fragments: String..., timeout: Duration = .seconds(60)) async throws {
        try await Waiting.until("a log line with \(fragments)", timeout: timeout, interval: .milliseconds(100), detail: { String(log.suffix(3000)) }) {
            log.split(separator: "\n").contains { line in fragments.allSatisfy { line.contains($0) } }
        }
    }

    /// Waits until the producer holds nothing for Kafka: its queue and spool are empty, no send
    /// waits for its outcome, a broker answers, and every captured exchange was published,
    /// replayed or dropped.
    func waitUntilDrained(timeout: Duration) async throws {
        try await Waiting.until("the producer to drain", timeout: timeout, interval: .milliseconds(250), detail: { String(log.suffix(3000)) }) {
            var values: [String: Double] = [:]
            for name in ["published", "replayed", "dropped", "captured"] {
                values[name] = try await metric("auditshipper_exchanges_\(name)_total")
            }
            for name in ["spool_files", "queue_bytes", "kafka_reachable", "kafka_in_flight"] {
                values[name] = try await metric("auditshipper_\(name)")
            }
            let settled = (values["published"] ?? 0) + (values["replayed"] ?? 0) + (values["dropped"] ?? 0)
            return values["spool_files"] == 0 && values["queue_bytes"] == 0 && values["kafka_reachable"] == 1 && values["kafka_in_flight"] == 0
                && settled >= (values["captured"] ?? 0)
        }
    }

    /// Sends SIGTERM and waits for the exit status, up to `bound`; SIGKILL after that (the
    /// status is then 137, which no test takes for a clean exit).
    func terminate(within bound: Duration = shutdownBound) async -> Int32 {
        await process.stop(grace: bound)
    }
}

/// `audit-producer` started by tests.
typealias ProducerProcess = ServiceProcess

extension ServiceProcess {
    /// Starts the producer listening on ephemeral loopback ports and waits until both listeners are up.
    static func start(arguments: [String]) async throws -> ServiceProcess {
        try await start(
            "audit-producer",
            arguments: ["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"] + arguments,
            listening: ["proxy listening", "admin listening"],
            environment: ["AUDIT_SOURCE": "audit-producer/integration-test"]
        )
    }

    /// The producer's proxy port.
    var proxyPort: Int { ports[0] }
    var proxyURL: String { "http://127.0.0.1:\(proxyPort)" }
}
