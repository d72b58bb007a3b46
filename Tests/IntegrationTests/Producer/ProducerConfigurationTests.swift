import Foundation
import Testing

/// audit-producer refuses bad configuration with a message naming the setting and exit status 2,
/// before it listens.
@Suite("audit-producer configuration", .fixtures)
struct ProducerConfigurationTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Int32, String) {
        let result = try await ProcessRunner.outcome(
            [try ProducerProcess.binary("audit-producer")] + arguments,
            environment: environment,
            timeout: .seconds(20)
        )
        return (result.status, result.standardError + String(decoding: result.standardOutput, as: UTF8.self))
    }

    @Test("bad settings exit with status 2 and name the flag and variable", arguments: [
        (["--listen", "127.0.0.1:0"], "--upstream / AUDIT_UPSTREAM"),
        (["--upstream", "ftp://x"], "--upstream / AUDIT_UPSTREAM"),
        (["--upstream", "http://127.0.0.1:1", "--capture-limit", "lots"], "--capture-limit / AUDIT_CAPTURE_LIMIT"),
        (["--upstream", "http://127.0.0.1:1", "--route", "POST api"], "--route / AUDIT_ROUTES"),
        (["--upstream", "http://127.0.0.1:1", "--listen", "nowhere"], "--listen / AUDIT_LISTEN"),
        (["--upstream", "http://127.0.0.1:1", "--kafka-property", "no.such.property=1"], "no.such.property"),
        (["--upstream", "http://127.0.0.1:1", "--kafka-compression", "brotli"], "--kafka-compression"),
        (["--upstream", "http://127.0.0.1:1", "--redact-json-pointer", "card"], "AUDIT_REDACT_JSON_POINTERS"),
        (["--upstream", "http://127.0.0.1:1", "--durability", "fsync"], "--durability / AUDIT_DURABILITY: 'fsync' is not one of memory, disk"),
        (["--upstream", "http://127.0.0.1:1", "--digest-key-file", "/nonexistent/digest.key"], "--digest-key-file / AUDIT_DIGEST_KEY_FILE: cannot read"),
        (["--upstream", "http://127.0.0.1:1", "--unknown-flag"], "unknown-flag"),
        // Seconds that would overflow a millisecond count, or librdkafka's 32-bit timeouts.
        (["--upstream", "http://127.0.0.1:1", "--drain-timeout", "1e16"], "--drain-timeout / AUDIT_DRAIN_TIMEOUT: '1e16' seconds is more than 2000000"),
        (["--upstream", "http://127.0.0.1:1", "--drain-timeout", "3e6"], "--drain-timeout / AUDIT_DRAIN_TIMEOUT: '3e6' seconds is more than 2000000"),
        (["--upstream", "http://127.0.0.1:1", "--drain-timeout=-1"], "--drain-timeout / AUDIT_DRAIN_TIMEOUT: '-1' is not a positive number"),
        (["--upstream", "http://127.0.0.1:1", "--spool-max-bytes", "18446744073709551616"], "--spool-max-bytes / AUDIT_SPOOL_MAX_BYTES"),
    ])
    func badFlags(arguments: [String], expected: String) async throws {
        let (status, output) = try await Self.run(arguments)
        #expect(status == 2)
        #expect(output.contains(expected), "\(output)")
    }

    @Test("environment variables are read and named in errors")
    func environment() async throws {
        let (status, output) = try await Self.run([], environment: ["AUDIT_UPSTREAM": "http://127.0.0.1:1", "AUDIT_QUEUE_MAX_BYTES": "big"])
        #expect(status == 2)
        #expect(output.contains("AUDIT_QUEUE_MAX_BYTES"))
    }

    @Test("a Kafka property from a file: a FIFO is refused at once, naming its variable; a file's value reaches librdkafka")
    func kafkaPropertyFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("password").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let (status, output) = try await Self.run(["--upstream", "http://127.0.0.1:1"], environment: ["AUDIT_KAFKA_PROPERTY_SASL_PASSWORD_FILE": fifo])
        #expect(status == 2)
        #expect(output.contains("AUDIT_KAFKA_PROPERTY_SASL_PASSWORD_FILE: \(fifo) is not a regular file"), "\(output)")
        let retries = directory.appendingPathComponent("retries")
        try Data("lots\n".utf8).write(to: retries)
        let (badStatus, badOutput) = try await Self.run(["--upstream", "http://127.0.0.1:1"], environment: ["AUDIT_KAFKA_PROPERTY_MESSAGE_SEND_MAX_RETRIES_FILE": retries.path])
        #expect(badStatus == 2)
        #expect(badOutput.contains("Kafka property 'message.send.max.retries': Invalid value"), "librdkafka refuses the value read from the file: \(badOutput)")
    }

    @Test("a routes file with an unknown key or a bad pattern is refused with its location")
    func routesFile() async throws {
        let directory = FileManager.default.temporaryDirectory
        let misspelt = directory.appendingPathComponent("routes-\(UUID().uuidString).yaml")
        try "rotues:\n  - match: POST /api/**\n".write(to: misspelt, atomically: true, encoding: .utf8)
        let (status, output) = try await Self.run(["--upstream", "http://127.0.0.1:1", "--routes-file", misspelt.path])
        #expect(status == 2)
        #expect(output.contains("unknown key 'rotues'"), "\(output)")

        let badPattern = directory.appendingPathComponent("routes-\(UUID().uuidString).yaml")
        try "routes:\n  - match: POST /api/**\n  - path: api/orders\n".write(to: badPattern, atomically: true, encoding: .utf8)
        let (patternStatus, patternOutput) = try await Self.run(["--upstream", "http://127.0.0.1:1", "--routes-file", badPattern.path])
        #expect(patternStatus == 2)
        #expect(patternOutput.contains("routes[1].path"), "\(patternOutput)")
    }

    @Test("--help explains every setting and its environment variable, and exits 0")
    func help() async throws {
        let (status, output) = try await Self.run(["--help"])
        #expect(status == 0)
        for variable in ["AUDIT_UPSTREAM", "AUDIT_ROUTES_FILE", "KAFKA_BROKERS", "AUDIT_CAPTURE_LIMIT", "AUDIT_KAFKA_PROPERTY_", "AUDIT_DURABILITY", "AUDIT_DIGEST_KEY_FILE", "AUDIT_REDACT_QUERY_PARAMS"] {
            #expect(output.contains(variable), "\(variable) missing from --help")
        }
    }

    @Test("the example routes file and the Kubernetes ConfigMap's routes are accepted")
    func exampleRoutes() async throws {
        let configMap = try String(contentsOfFile: "\(ProjectPaths.root)/deploy/kubernetes/audit-routes-configmap.yaml", encoding: .utf8)
        let lines = configMap.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasSuffix("routes.yaml: |") })
        let embedded = lines[(start + 1)...].prefix { $0.hasPrefix("    ") || $0.isEmpty }.map { $0.dropFirst(min(4, $0.count)) }.joined(separator: "\n")
        let extracted = FileManager.default.temporaryDirectory.appendingPathComponent("configmap-routes-\(UUID().uuidString).yaml").path
        try embedded.write(toFile: extracted, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: extracted) }
        for file in ["\(ProjectPaths.root)/deploy/routes.example.yaml", extracted] {
            let producer = try await ProducerProcess.start(arguments: [
                "--upstream", "http://127.0.0.1:1", "--routes-file", file, "--kafka-brokers", "127.0.0.1:1", "--spool-dir", ProducerProcess.temporarySpool(),
            ])
            #expect(await producer.terminate() == 0, "\(file)")
        }
    }
}
