import Foundation

/// Reads one setting from its flag or, failing that, its environment variable, and names both
/// in errors.
struct SettingReader {
    let environment: [String: String]

    /// The value and the key to name in errors (`--flag / ENV_VAR`).
    func value(_ flagValue: String?, flag: String, env: String) -> (value: String, key: String)? {
        let key = "--\(flag) / \(env)"
        if let flagValue { return (flagValue, key) }
        if let envValue = environment[env], !envValue.isEmpty { return (envValue, key) }
        return nil
    }

    /// A repeatable flag, or its environment variable split on `separator`.
    func list(_ flagValues: [String], env: String, separator: Character) -> [String] {
        if !flagValues.isEmpty { return flagValues }
        return environment[env].map { $0.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
    }

    func seconds(_ flagValue: String?, flag: String, env: String, default fallback: Duration) throws(ConfigurationError) -> Duration {
        guard let (text, key) = value(flagValue, flag: flag, env: env) else { return fallback }
        guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
            throw ConfigurationError(key, "'\(text)' is not a positive number of seconds")
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    func bytes(_ flagValue: String?, flag: String, env: String, default fallback: Int) throws(ConfigurationError) -> Int {
        guard let (text, key) = value(flagValue, flag: flag, env: env) else { return fallback }
        guard let bytes = ByteSize.parse(text) else {
            throw ConfigurationError(key, "'\(text)' is not a size (examples: 1048576, 512KiB, 4MiB, 1GiB)")
        }
        return bytes
    }

    func address(_ flagValue: String?, flag: String, env: String, default fallback: String) throws(ConfigurationError) -> (host: String, port: Int) {
        let (text, key) = value(flagValue, flag: flag, env: env) ?? (fallback, "--\(flag) / \(env)")
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigurationError(key, "'\(text)' is not host:port")
        }
        let host = String(text[..<colon]).trimmingCharacters(in: ["[", "]"])
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
