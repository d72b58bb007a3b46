import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A setting kept in a file, such as a password in a mounted Kubernetes Secret: read whole, at
/// most ``maximumBytes``, symbolic links followed (Secret volumes are links), anything but a
/// regular file refused (a FIFO would block the start), one trailing line break dropped.
public enum SecretFile {
    /// The largest file read.
    public static let maximumBytes = 64 * 1024

    /// The file's text.
    /// - Throws: ``ConfigurationError`` under `key`, naming the file and what is wrong with it.
    public static func read(_ path: String, key: String) throws(ConfigurationError) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ConfigurationError(key, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw ConfigurationError(key, "\(path) is not a regular file") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ConfigurationError(key, "cannot read \(path)") }
        defer { try? handle.close() }
        var data = (try? handle.read(upToCount: maximumBytes + 1)) ?? Data()
        guard data.count <= maximumBytes else { throw ConfigurationError(key, "\(path) is larger than \(maximumBytes / 1024) KiB") }
        if data.last == UInt8(ascii: "\n") {
            data.removeLast()
            if data.last == UInt8(ascii: "\r") { data.removeLast() }
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigurationError(key, "\(path) is not UTF-8 text") }
        return text
    }
}
