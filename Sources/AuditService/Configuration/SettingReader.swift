import Foundation
import Logging

/// Reads one setting from its flag or, failing that, its environment variable, and names both
/// in errors.
public struct SettingReader: Sendable {
    /// The process environment.
    public let environment: [String: String]

    /// Creates a reader over `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// The value and the key to name in errors (`--flag / ENV_VAR`).
    public func value(_ flagValue: String?, flag: String, env: String) -> (value: String, key: String)? {
        let key = "--\(flag) / \(env)"
        if let flagValue { return (flagValue, key) }
        if let envValue = environment[env], !envValue.isEmpty { return (envValue, key) }
        return nil
    }

    /// A repeatable flag, or its environment variable split on `separator`.
    public func list(_ flagValues: [String], env: String, separator: Character) -> [String] {
        if !flagValues.isEmpty { return flagValues }
        return environment[env].map { $0.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
    }

    /// The longest duration a setting takes: about 23 days, the most librdkafka's millisecond
    /// timeouts (32-bit) hold.
    public static let maxSeconds: Double = 2_000_000

    /// A positive number of seconds, at least a millisecond and at most ``maxSeconds``.
    /// - Throws: ``ConfigurationError`` when the value is not one.
    public func seconds(_ flagValue: String?, flag: String, env: String, default fallback: Duration) throws(ConfigurationError) -> Duration {
        guard let (text, key) = value(flagValue, flag: flag, env: env) else { return fallback }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0.001 else {
            throw ConfigurationError(key, "'\(text)' is not a positive number of seconds (at least 0.001)")
        }
        guard seconds <= Self.maxSeconds else {
            throw ConfigurationError(key, "'\(text)' seconds is more than \(Int(Self.maxSeconds)) (about 23 days)")
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// A size such as `4MiB`.
    /// - Throws: ``ConfigurationError`` when the value is not a size.
    public func bytes(_ flagValue: String?, flag: String, env: String, default fallback: Int) throws(ConfigurationError) -> Int {
        guard let (text, key) = value(flagValue, flag: flag, env: env) else { return fallback }
        guard let bytes = ByteSize.parse(text) else {
            throw ConfigurationError(key, "'\(text)' is not a size (examples: 1048576, 512KiB, 4MiB, 1GiB)")
        }
        return bytes
    }

    /// A positive whole number.
    /// - Throws: ``ConfigurationError`` when the value is not one.
    public func count(_ flagValue: String?, flag: String, env: String, default fallback: Int) throws(ConfigurationError) -> Int {
        guard let (text, key) = value(flagValue, flag: flag, env: env) else { return fallback }
        guard let count = Int(text.trimmingCharacters(in: .whitespaces)), count > 0 else {
            throw ConfigurationError(key, "'\(text)' is not a positive whole number")
        }
        return count
    }

    /// A listening address, `host:port`; an empty host means all interfaces.
    /// - Throws: ``ConfigurationError`` when the value is not `host:port`.
    public func address(_ flagValue: String?, flag: String, env: String, default fallback: String) throws(ConfigurationError) -> (host: String, port: Int) {
        let (text, key) = value(flagValue, flag: flag, env: env) ?? (fallback, "--\(flag) / \(env)")
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError(key, "'\(text)' is not host:port")
        }
        let host = String(text[..<colon]).trimmingCharacters(in: ["[", "]"])
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// The log level from `--log-level` / `AUDIT_LOG_LEVEL`. Default: info.
    /// - Throws: ``ConfigurationError`` for an unknown level.
    public func logLevel(_ flagValue: String?) throws(ConfigurationError) -> Logger.Level {
        let text = value(flagValue, flag: "log-level", env: "AUDIT_LOG_LEVEL")
        guard let level = Logger.Level(rawValue: text?.value.lowercased() ?? "info") else {
            throw ConfigurationError(text?.key ?? "--log-level", "'\(text?.value ?? "")' is not one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }

    /// The Kafka bootstrap brokers from `--kafka-brokers` / `KAFKA_BROKERS`, if set.
    public func kafkaBrokers(_ flagValue: String?) -> [String]? {
        value(flagValue, flag: "kafka-brokers", env: "KAFKA_BROKERS").map {
            $0.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// librdkafka properties from `AUDIT_KAFKA_PROPERTY_<NAME>` variables (underscores become
    /// dots), then from `AUDIT_KAFKA_PROPERTY_<NAME>_FILE` variables naming a file that holds the
    /// value (``SecretFile``: a password in a mounted Secret rather than in the environment), and
    /// then `--kafka-property name=value` flags, which win.
    /// - Throws: ``ConfigurationError`` for a flag that is not `name=value` or a file that
    ///   cannot be read.
    public func kafkaProperties(_ flagValues: [String]) throws(ConfigurationError) -> [String: String] {
        var properties: [String: String] = [:]
        var files: [(property: String, variable: String, path: String)] = []
        for (name, value) in environment where name.hasPrefix("AUDIT_KAFKA_PROPERTY_") {
            let suffix = name.dropFirst("AUDIT_KAFKA_PROPERTY_".count)
            if suffix.hasSuffix("_FILE") {
                files.append((Self.propertyName(suffix.dropLast("_FILE".count)), name, value))
            } else {
                properties[Self.propertyName(suffix)] = value
            }
        }
        for file in files.sorted(by: { $0.variable < $1.variable }) {
            properties[file.property] = try SecretFile.read(file.path, key: file.variable)
        }
        for entry in flagValues {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ConfigurationError("--kafka-property", "'\(entry)' is not name=value")
            }
            properties[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return properties
    }

    private static func propertyName(_ variableSuffix: Substring) -> String {
        variableSuffix.lowercased().replacingOccurrences(of: "_", with: ".")
    }
}
