import AuditService
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Kafka properties from the environment, flags and secret files")
struct SettingReaderTests {
    /// A fresh directory for one test's files.
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("variables become properties; _FILE variables read their file; flags win")
    func precedence() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let password = directory.appendingPathComponent("sasl-password")
        try Data("s3cret\n".utf8).write(to: password)
        let link = directory.appendingPathComponent("linked")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: password)
        let reader = SettingReader(environment: [
            "AUDIT_KAFKA_PROPERTY_SECURITY_PROTOCOL": "SASL_SSL",
            "AUDIT_KAFKA_PROPERTY_SASL_PASSWORD_FILE": password.path,
            "AUDIT_KAFKA_PROPERTY_SASL_USERNAME_FILE": link.path,
            "AUDIT_KAFKA_PROPERTY_LINGER_MS": "5",
            "UNRELATED": "x",
        ])
        let properties = try reader.kafkaProperties(["linger.ms=20"])
        #expect(properties == [
            "security.protocol": "SASL_SSL", "sasl.password": "s3cret", "sasl.username": "s3cret", "linger.ms": "20",
        ])
    }

    @Test("a file's text is kept exactly, but for one trailing line break", arguments: [
        ("pass", "pass"), ("pass\n", "pass"), ("pass\r\n", "pass"), ("pass\n\n", "pass\n"), (" pass ", " pass "), ("", ""),
        ("p\u{00E4}ss", "p\u{00E4}ss"),
    ])
    func fileText(contents: String, expected: String) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("value")
        try Data(contents.utf8).write(to: file)
        #expect(try SecretFile.read(file.path, key: "KEY") == expected)
    }

    @Test("a missing, special, oversized or non-UTF-8 file is refused with the variable named, without blocking")
    func refusedFiles() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let large = directory.appendingPathComponent("large")
        try Data(repeating: UInt8(ascii: "a"), count: SecretFile.maximumBytes + 1).write(to: large)
        let binary = directory.appendingPathComponent("binary")
        try Data([0xFF, 0xFE, 0x00, 0xC3]).write(to: binary)
        let cases: [(String, String)] = [
            (directory.appendingPathComponent("missing").path, "cannot read"),
            (directory.path, "is not a regular file"),
            (fifo, "is not a regular file"),
            (large.path, "is larger than 64 KiB"),
            (binary.path, "is not UTF-8 text"),
        ]
        for (path, reason) in cases {
            let reader = SettingReader(environment: ["AUDIT_KAFKA_PROPERTY_SASL_PASSWORD_FILE": path])
            #expect(throws: ConfigurationError.self, "\(path)") { try reader.kafkaProperties([]) }
            do {
                _ = try reader.kafkaProperties([])
            } catch {
                #expect("\(error)".contains("AUDIT_KAFKA_PROPERTY_SASL_PASSWORD_FILE") && "\(error)".contains(reason), "\(error)")
            }
        }
    }
}

extension SettingReaderTests {
    @Test("durations: absurd numbers of seconds are clear errors, never traps", arguments: ["1e16", "3e6", "2000001", "inf", "nan", "-1", "0", "0.0001", "1e308", "x"])
    func absurdSeconds(_ text: String) {
        let reader = SettingReader(environment: ["AUDIT_DRAIN_TIMEOUT": text])
        #expect(throws: ConfigurationError.self) {
            _ = try reader.seconds(nil, flag: "drain-timeout", env: "AUDIT_DRAIN_TIMEOUT", default: .seconds(10))
        }
    }

    @Test("durations within the bounds are taken to the millisecond")
    func plausibleSeconds() throws {
        for (text, expected) in [("0.001", Duration.milliseconds(1)), ("2.5", .milliseconds(2500)), ("2000000", .seconds(2_000_000))] {
            let reader = SettingReader(environment: ["AUDIT_DRAIN_TIMEOUT": text])
            #expect(try reader.seconds(nil, flag: "drain-timeout", env: "AUDIT_DRAIN_TIMEOUT", default: .seconds(10)) == expected)
        }
    }
}
