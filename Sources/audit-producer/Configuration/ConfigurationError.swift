/// A bad setting, named by the flag and environment variable that set it. The producer prints it
/// and exits with status 2 before listening.
struct ConfigurationError: Error, CustomStringConvertible {
    /// The setting at fault, e.g. `--upstream / AUDIT_UPSTREAM` or `routes file routes[2].path`.
    let key: String
    let reason: String

    init(_ key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    var description: String { "invalid configuration: \(key): \(reason)" }
}
