import Foundation
import NIOCore
import Synchronization

/// A running service binary (`audit-producer`, `audit-consumer`; built by scripts/test), with its
/// listening ports on 127.0.0.1.
final class ServiceProcess: Sendable {
    struct NotStarted: Error, CustomStringConvertible {
        let output: String
        var description: String { "service did not start: \(output)" }
    }

    /// What the process printed so far.
    final class Output: Sendable {
        private let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        var value: String { text.withLock { $0 } }
    }

    /// The ports of the listeners, in the order of the markers given to `start`; the last is the
    /// admin listener.
    let ports: [Int]
    private let process: Process
    private let output: Output

    private init(process: Process, output: Output, ports: [Int]) {
        self.process = process
        self.output = output
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary(name))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = Output()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try process.run()
        for _ in 0..<300 {
            let text = output.value
            let ports = markers.compactMap { port(after: $0, in: text) }
            if ports.count == markers.count {
                return ServiceProcess(process: process, output: output, ports: ports)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw NotStarted(output: output.value)
    }

    /// The port in `...:PORT ...` of the log line containing `marker`.
    private static func port(after marker: String, in text: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(marker) }),
            let range = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression)
        else { return nil }
        return Int(line[range].split(separator: ":").last ?? "")
    }

    var adminPort: Int { ports.last! }
    var adminURL: String { "http://127.0.0.1:\(adminPort)" }
    var log: String { output.value }

    /// The process's peak resident set size so far (`VmHWM` in /proc), in MiB.
    func peakResidentMiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw NotStarted(output: "no VmHWM in /proc status") }
        return kilobytes / 1024
    }

    /// Kills the process with SIGKILL, as a crash or an OOM kill would.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Reads one Prometheus metric (summed over its labels) from the admin listener.
    func metric(_ name: String) async throws -> Double {
        let reply = try await HTTPTestClient.send("\(adminURL)/metrics", method: .GET)
        return String(buffer: reply.body).split(separator: "\n")
            .filter { $0.hasPrefix(name) && ($0.dropFirst(name.count).first == " " || $0.dropFirst(name.count).first == "{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }

    /// Waits until the producer holds nothing for Kafka: its queue and spool are empty and every
    /// captured exchange was published, replayed or dropped.
    func waitUntilDrained(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let spoolFiles = try await metric("auditshipper_spool_files")
            let queued = try await metric("auditshipper_queue_bytes")
            if spoolFiles == 0, queued == 0, try await metric("auditshipper_kafka_reachable") == 1 {
                try await Task.sleep(for: .seconds(2))
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw NotStarted(output: "not drained within \(timeout):\n\(log.suffix(3000))")
    }

    /// Sends SIGTERM and waits for the exit status.
    func terminate() async -> Int32 {
        process.terminate()
        for _ in 0..<400 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
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
