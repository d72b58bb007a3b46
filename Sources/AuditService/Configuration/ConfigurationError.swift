/// A bad setting, named by the flag and environment variable that set it. The services print it
/// and exit with status 2 before doing anything.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// The setting at fault, e.g. `--upstream / AUDIT_UPSTREAM` or `routes file routes[2].path`.
    public let key: String
    /// What is wrong with it.
    public let reason: String

    /// Creates an error naming `key`.
    public init(_ key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "invalid configuration: \(key): \(reason)" }
}
