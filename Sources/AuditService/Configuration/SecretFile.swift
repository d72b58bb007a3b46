import AuditEnvelope
import Foundation

/// A setting kept in a file, such as a password in a mounted Kubernetes Secret: read with
/// `SmallFile` (at most ``maximumBytes``, symbolic links followed, anything but a regular file
/// refused), as UTF-8 text, one trailing line break dropped.
public enum SecretFile {
    /// The largest file read.
    public static let maximumBytes = 64 * 1024

    /// The file's text.
    /// - Throws: ``ConfigurationError`` under `key`, naming the file and what is wrong with it.
    public static func read(_ path: String, key: String) throws(ConfigurationError) -> String {
        var data: Data
        do {
            data = try SmallFile.read(path, maximumBytes: maximumBytes)
        } catch {
            throw ConfigurationError(key, error.description)
        }
        if data.last == UInt8(ascii: "\n") {
            data.removeLast()
            if data.last == UInt8(ascii: "\r") { data.removeLast() }
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigurationError(key, "\(path) is not UTF-8 text") }
        return text
    }
}
